import { Flags } from '@oclif/core';
import { resolve, dirname } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { askYes, connectionFlags, interactive, planFlags, rootArg, stateDirFor } from '../apply/cli.js';
import { applyRepo, loadDesiredRepo } from '../apply/reconcile.js';
import { loadPlanFile, looksLikePlanFile, publicPlan } from '../apply/planfile.js';
import { collectingReporter, textReporter } from '../apply/reporter.js';
import { parseTimeout } from '../apply/lock.js';
import { renderPlanText } from '../plan/index.js';
import { openProvider } from '../providers/engine/provider.js';
import { kubernetesApplyFlags, runKubernetesApply } from '../providers/kubernetes/kube-flags.js';

export default class Apply extends JoeyCommand {
  static override description = 'make the running state match the manifests (or execute a saved plan exactly)';
  static override examples = ['joey apply examples', 'joey apply --auto-approve --parallelism 4', 'joey apply plan.json'];
  static override args = { root: { ...rootArg, description: 'repo root, or a plan file saved by `joey plan --out`' } };
  static override flags = {
    ...connectionFlags,
    ...planFlags,
    'auto-approve': Flags.boolean({ description: 'apply without asking (also the behaviour without a terminal)', default: false }),
    parallelism: Flags.integer({ description: 'independent actions run at once', default: 8, min: 1 }),
    'lock-timeout': Flags.string({ description: 'how long to wait for the state lock (e.g. 30s)', default: '0s' }),
    ...kubernetesApplyFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Apply);
    if (flags.target === 'kubernetes') {
      const k = await runKubernetesApply(args.root, flags, { json: flags.json, write: (l) => process.stdout.write(l + '\n'), ask: !flags['auto-approve'] && !flags.json && interactive() ? askYes : undefined });
      return this.emit(flags.json, k.json, () => k.text);
    }
    const target = resolve(args.root);
    const fromPlan = looksLikePlanFile(target);
    const saved = fromPlan ? loadPlanFile(target) : undefined;
    const root = saved?.root ?? target;
    const stateDir = stateDirFor(fromPlan && !saved?.root ? dirname(target) : root, flags.state);
    const source = saved ? { plan: saved } : { repo: await loadDesiredRepo(root, { env: flags.env, stateDir }) };
    const provider = await openProvider({ stateDir, endpoint: flags.endpoint, token: flags.token });
    const collected = collectingReporter();
    const write = (line: string) => process.stdout.write(line + '\n');
    const reporter = flags.json ? collected : textReporter(write);
    const ask = !flags['auto-approve'] && !saved && !flags.json && interactive();
    try {
      const outcome = await applyRepo(source, provider, {
        stateDir,
        prune: flags.prune,
        allowEmpty: flags['allow-empty'],
        env: flags.env,
        parallelism: flags.parallelism,
        lockTimeoutMs: parseTimeout(flags['lock-timeout']),
        reporter,
        confirm: async (plan) => {
          if (flags.json) return true;
          write(renderPlanText(plan, { color: Boolean(process.stdout.isTTY) }) + '\n');
          return ask ? askYes('Do you want to perform these actions?') : true;
        },
      });
      const r = outcome.result;
      this.emit(
        flags.json,
        { plan: publicPlan(outcome.plan), applied: Boolean(r), declined: Boolean(outcome.declined), result: r ?? null, events: collected.events },
        () => {
          if (outcome.declined) return 'Apply cancelled: nothing was changed.';
          if (!r) return renderPlanText(outcome.plan);
          return ''; // progress and summary were printed as they happened
        },
      );
      if (r?.failed.length) process.exitCode = 1;
    } finally {
      await provider.close?.();
    }
  }
}


