import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { JoeyError } from '../model/index.js';
import { connectionFlags, planFlags, rootArg, stateDirFor } from '../apply/cli.js';
import { loadDesiredRepo, planAgainst } from '../apply/reconcile.js';
import { publicPlan, savePlanFile } from '../apply/planfile.js';
import { hasChanges, renderPlanText } from '../plan/index.js';
import { openProvider } from '../providers/engine/provider.js';


export default class Plan extends JoeyCommand {
  static override description = 'show what apply would change: desired (manifests) vs running, object by object';
  static override examples = ['joey plan examples', 'joey plan --detailed-exitcode', 'joey plan --out plan.json && joey apply plan.json'];
  static override args = { root: rootArg };
  static override flags = {
    ...connectionFlags,
    ...planFlags,
    out: Flags.string({ description: 'save the plan to a file that `joey apply FILE` executes exactly' }),
    'detailed-exitcode': Flags.boolean({ description: 'exit 0 = no changes, 1 = error, 2 = changes', default: false }),
    replay: Flags.integer({ description: 'replay the last N logged inputs of changing pipelines through their new definition', min: 1 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Plan);
    const root = resolve(args.root);
    const stateDir = stateDirFor(root, flags.state);
    const repo = await loadDesiredRepo(root, { env: flags.env, stateDir });
    const provider = await openProvider({ stateDir, endpoint: flags.endpoint, token: flags.token });
    try {
      const { plan } = await planAgainst(repo, provider, { prune: flags.prune, allowEmpty: flags['allow-empty'], env: flags.env });
      let replayText = '';
      if (flags.replay) {
        // Loaded only when asked: it brings the inference runtime (onnxruntime, polars) along.
        const { replayPlan, renderReplayText } = await import('../plan/replay.js');
        if (!('engine' in provider)) throw new JoeyError('unsupported', '--replay reads the pipelines\' logs of the embedded engine; run it where the engine keeps its state (--state), not with --endpoint', { status: 501 });
        const report = await replayPlan(plan, repo.desired, provider.engine, flags.replay);
        plan.replay = report;
        replayText = renderReplayText(report);
      }
      if (flags.out) savePlanFile(resolve(flags.out), plan);
      this.emit(flags.json, publicPlan(plan), () => {
        let text = renderPlanText(plan, { color: Boolean(process.stdout.isTTY) });
        if (replayText) text += '\n\n' + replayText;
        if (flags.out) text += `\n\nSaved the plan to ${flags.out}. Apply exactly these actions with: joey apply ${flags.out}`;
        return text;
      });
      if (flags['detailed-exitcode'] && hasChanges(plan)) process.exitCode = 2;
    } finally {
      await provider.close?.();
    }
  }
}
