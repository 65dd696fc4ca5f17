import { Args, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JoeyCommand } from '../../cli/base.js';
import { parseAssayTarget, parseTimeFlag, renderScoresPng, renderScoresText } from '../../assays/index.js';
import { assaysOf } from '../../engine/assays/index.js';
import { Engine, defaultStateDir } from '../../engine/index.js';

export default class AssaysResults extends JoeyCommand {
  static override description = "an applied assay's stored results (windows starting in [--start, --end)), charted against its thresholds";
  static override examples = ['joey assays results houses/price-drift', 'joey assays results houses/price-drift --start 2024-02-15T00:00:00Z --end 2024-02-16T00:00:00Z --png drift.png'];
  static override args = { target: Args.string({ description: 'WORKSPACE/ASSAY', required: true }) };
  static override flags = {
    state: Flags.string({ description: 'engine state directory (default .joey/, or JOEY_HOME)' }),
    start: Flags.string({ description: 'results of windows starting at or after this time (ISO 8601)' }),
    end: Flags.string({ description: 'results of windows starting before this time' }),
    png: Flags.string({ description: 'also write a chart of the scores to this PNG file' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AssaysResults);
    const { workspace, name } = parseAssayTarget(args.target);
    const engine = await Engine.open({ stateDir: flags.state ? resolve(flags.state) : defaultStateDir('.') });
    try {
      const svc = assaysOf(engine);
      const a = svc.getByName(engine.workspaces.getByName(workspace).id, name);
      const results = svc.results(a.id, {
        ...(flags.start ? { start: parseTimeFlag(flags.start, 'start') } : {}),
        ...(flags.end ? { end: parseTimeFlag(flags.end, 'end') } : {}),
      });
      const thresholds = { alert: a.alert_threshold, ...(a.warning_threshold !== null ? { warning: a.warning_threshold } : {}) };
      const points = results.map((r) => ({ start: Date.parse(r.window_start), score: r.score, status: r.status }));
      if (flags.png) writeFileSync(flags.png, renderScoresPng(points, thresholds));
      this.emit(flags.json, { assay: { id: a.id, name: a.name, workspace, active: a.active, status: a.status }, results }, () =>
        [
          `assay ${workspace}/${a.name} (${a.active ? 'active' : 'paused'}): ${a.iopath} of pipeline ${a.pipeline_name}, ${a.summarizer.bin_mode} bins, ${a.summarizer.aggregation}, ${a.summarizer.metric}; ` +
            `${a.status.num_ok} ok, ${a.status.num_warnings} warning, ${a.status.num_alerts} alert; last run ${a.status.run_at ?? 'never'}`,
          '',
          renderScoresText(points, thresholds),
          ...(flags.png ? ['', `chart written to ${flags.png}`] : []),
        ].join('\n'),
      );
    } finally {
      await engine.close();
    }
  }
}
