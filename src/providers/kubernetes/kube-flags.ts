import { Flags } from '@oclif/core';
import { applyRepoToKubernetes, renderKubeDiffText } from './apply-repo.js';
import type { KubeDiff } from './apply.js';

/** Flags `joey apply` gets for `--target kubernetes` (kept here so the apply command only spreads them). */
export const kubernetesApplyFlags = {
  target: Flags.string({ description: 'where to apply: the joey engine, or a Kubernetes cluster (rendered objects, server-side apply)', options: ['engine', 'kubernetes'], default: 'engine' }),
  context: Flags.string({ description: '--target kubernetes: kubeconfig context (default: current context)' }),
  namespace: Flags.string({ description: '--target kubernetes: namespace for the objects (default: the context namespace, else default)' }),
  kubeconfig: Flags.string({ description: '--target kubernetes: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' }),
  image: Flags.string({ description: '--target kubernetes: engine and task image' }),
  wait: Flags.boolean({ description: '--target kubernetes: wait for rollouts to finish', default: true, allowNo: true }),
  timeout: Flags.string({ description: '--target kubernetes: health-wait timeout', default: '2m' }),
};

export interface KubeApplyIo {
  json: boolean;
  write: (line: string) => void;
  /** Ask the user; undefined = don't ask. */
  ask?: (question: string) => Promise<boolean>;
}

/** The `--target kubernetes` branch of `joey apply`: returns the JSON document to emit and the exit code. */
export async function runKubernetesApply(
  root: string,
  flags: { env?: string; prune?: boolean; 'allow-empty'?: boolean; context?: string; namespace?: string; kubeconfig?: string; image?: string; wait?: boolean; timeout?: string },
  io: KubeApplyIo,
): Promise<{ json: unknown; text: string; exitCode: number }> {
  const outcome = await applyRepoToKubernetes(root, {
    env: flags.env,
    prune: flags.prune,
    allowEmpty: flags['allow-empty'],
    context: flags.context,
    namespace: flags.namespace,
    kubeconfig: flags.kubeconfig,
    image: flags.image,
    wait: flags.wait,
    timeout: flags.timeout,
    onEvent: io.json ? undefined : (e) => io.write(`  ${e.type} ${e.key}${e.detail ? ` (${e.detail})` : ''}`),
    confirm: async (diff: KubeDiff) => {
      if (io.json) return true;
      io.write(renderKubeDiffText(diff) + '\n');
      return io.ask ? io.ask('Do you want to perform these actions?') : true;
    },
  });
  for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
  const r = outcome.result;
  let text: string;
  if (outcome.declined) text = 'Apply cancelled: nothing was changed.';
  else if (!r || (r.applied.length === 0 && r.pruned.length === 0)) text = `No changes. ${renderKubeDiffText(outcome.diff).split('\n').pop()}`;
  else text = `Apply complete! ${r.applied.length} applied, ${r.pruned.length} pruned${r.keptForeign.length ? `, ${r.keptForeign.length} kept (not managed by joey)` : ''} in ${(r.durationMs / 1000).toFixed(1)}s.`;
  return { json: { target: 'kubernetes', diff: outcome.diff, declined: Boolean(outcome.declined), result: r ?? null, warnings: outcome.warnings }, text, exitCode: 0 };
}
