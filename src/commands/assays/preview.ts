import { Args, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JoeyCommand } from '../../cli/base.js';
import { findAssay, parseAssayTarget, parseTimeFlag, renderScoresPng, renderScoresText } from '../../assays/index.js';
import { analysisView, previewAssay } from '../../engine/assays/index.js';
import { defaultStateDir } from '../../engine/index.js';
import { InferenceLogStore } from '../../engine/logs/index.js';
import { loadRepo } from '../../manifest/index.js';
import { JoeyError } from '../../model/index.js';

export default class AssaysPreview extends JoeyCommand {
  static override description = "run a manifest's assay over the pipeline's inference logs without saving anything (the platform's interactive run)";
  static override examples = [
    'joey assays preview houses/price-drift',
    'joey assays preview houses/price-drift --until 2024-02-15T16:23:00Z --png drift.png',
  ];
  static override args = { target: Args.string({ description: 'WORKSPACE/ASSAY', required: true }) };
  static override flags = {
    root: Flags.string({ description: 'manifest repo root', default: '.' }),
    env: Flags.string({ description: 'apply the overlay in environments/<env>/' }),
    state: Flags.string({ description: 'engine state directory (default .joey/ under the root, or JOEY_HOME)' }),
    until: Flags.string({ description: 'analyze windows that end by this time (default now)' }),
    png: Flags.string({ description: 'also write a chart of the scores to this PNG file' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AssaysPreview);
    const { workspace, name } = parseAssayTarget(args.target);
    const repo = await loadRepo(flags.root, flags.env ? { env: flags.env } : {});
    const errors = repo.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new JoeyError('invalid_manifests', `the manifests have ${errors.length} error(s); run joey validate`, { diagnostics: errors.slice(0, 20) });
    const { spec, dir } = findAssay(repo.resources, repo.root, workspace, name);
    const logs = InferenceLogStore.forStateDir(flags.state ? resolve(flags.state) : defaultStateDir(repo.root));
    const until = flags.until !== undefined ? parseTimeFlag(flags.until, 'until') : undefined;
    const p = await previewAssay({ logs, workspaceName: workspace, spec, root: dir, ...(until !== undefined ? { until } : {}) });
    const points = p.results.map((r) => ({ start: r.windowStart, score: r.score, status: r.status }));
    if (flags.png) writeFileSync(flags.png, renderScoresPng(points, spec.thresholds));
    this.emit(
      flags.json,
      {
        assay: `${workspace}/${name}`,
        window: { start: new Date(p.plan.start).toISOString(), width_ms: p.plan.width, interval_ms: p.plan.interval },
        results: p.results.map((r) => analysisView(r, spec.thresholds)),
      },
      () =>
        [
          `assay ${workspace}/${name}: ${spec.iopath} of pipeline ${spec.pipeline}, ${spec.binning.mode} bins, ${spec.aggregation}, ${spec.metric} — ${p.results.length} window(s) with data (preview, not saved)`,
          '',
          renderScoresText(points, spec.thresholds),
          ...(flags.png ? ['', `chart written to ${flags.png}`] : []),
        ].join('\n'),
    );
  }
}
