import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { connectionFlags, planFlags, rootArg, stateDirFor } from '../apply/cli.js';
import { loadDesiredRepo, scopeOf } from '../apply/reconcile.js';
import { detectDrift, renderDriftText } from '../apply/drift.js';
import { openProvider } from '../providers/engine/provider.js';

export default class Drift extends JoeyCommand {
  static override description = 'list objects joey manages that were changed outside git (read-only); exit 2 when there is drift';
  static override args = { root: rootArg };
  static override flags = { ...connectionFlags, env: planFlags.env };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Drift);
    const root = resolve(args.root);
    const stateDir = stateDirFor(root, flags.state);
    const repo = await loadDesiredRepo(root, { env: flags.env, stateDir });
    const provider = await openProvider({ stateDir, endpoint: flags.endpoint, token: flags.token });
    try {
      const items = detectDrift(await provider.read(scopeOf(repo.desired)), repo.desired);
      this.emit(flags.json, { drift: items, count: items.length }, () => renderDriftText(items));
      if (items.length) process.exitCode = 2;
    } finally {
      await provider.close?.();
    }
  }
}
