import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { askYes, connectionFlags, interactive, rootArg, stateDirFor } from '../apply/cli.js';
import { applyRepo } from '../apply/reconcile.js';
import { gitCommit } from '../apply/commit.js';
import { publicPlan } from '../apply/planfile.js';
import { collectingReporter, textReporter } from '../apply/reporter.js';
import { parseTimeout } from '../apply/lock.js';
import { renderPlanText } from '../plan/index.js';
import { openProvider } from '../providers/engine/provider.js';

export default class Destroy extends JoeyCommand {
  static override description = 'delete every object joey manages, in reverse dependency order (objects joey did not create stay)';
  static override args = { root: rootArg };
  static override flags = {
    ...connectionFlags,
    'auto-approve': Flags.boolean({ description: 'destroy without asking (also the behaviour without a terminal)', default: false }),
    parallelism: Flags.integer({ description: 'independent actions run at once', default: 8, min: 1 }),
    'lock-timeout': Flags.string({ description: 'how long to wait for the state lock (e.g. 30s)', default: '0s' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Destroy);
    const root = resolve(args.root);
    const stateDir = stateDirFor(root, flags.state);
    const provider = await openProvider({ stateDir, endpoint: flags.endpoint, token: flags.token });
    const collected = collectingReporter();
    const write = (line: string) => process.stdout.write(line + '\n');
    try {
      // The manifests are not needed (nor trusted) to destroy: every managed object goes.
      const repo = { root, desired: [], diagnostics: [], commit: await gitCommit(root, stateDir) };
      const outcome = await applyRepo({ repo }, provider, {
        stateDir,
        destroy: true,
        operation: 'destroy',
        parallelism: flags.parallelism,
        lockTimeoutMs: parseTimeout(flags['lock-timeout']),
        reporter: flags.json ? collected : textReporter(write),
        confirm: async (plan) => {
          if (flags.json) return true;
          write(renderPlanText(plan, { color: Boolean(process.stdout.isTTY) }) + '\n');
          return !flags['auto-approve'] && interactive() ? askYes('Do you really want to destroy every object joey manages?') : true;
        },
      });
      const r = outcome.result;
      this.emit(flags.json, { plan: publicPlan(outcome.plan), result: r ?? null, declined: Boolean(outcome.declined), events: collected.events }, () =>
        outcome.declined ? 'Destroy cancelled: nothing was changed.' : r ? '' : 'Nothing to destroy: joey manages no objects here.',
      );
      if (r?.failed.length) process.exitCode = 1;
    } finally {
      await provider.close?.();
    }
  }
}
