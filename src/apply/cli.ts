import { Args, Flags } from '@oclif/core';
import { resolve, join } from 'node:path';
import { createInterface } from 'node:readline/promises';

/**
 * Flags shared by the reconciler's commands (plan, apply, destroy, drift, import, force-unlock), so every one
 * spells them the same way.
 */
export const rootArg = Args.string({ description: 'repo root with the manifests (default: current directory)', default: '.' });

export const connectionFlags = {
  state: Flags.string({ description: 'state directory of the embedded engine (default: $JOEY_HOME or ROOT/.joey)' }),
  endpoint: Flags.string({ description: 'URL of a joey server to manage instead of the embedded engine', env: 'JOEY_ENDPOINT' }),
  token: Flags.string({ description: 'bearer token for --endpoint', env: 'JOEY_TOKEN' }),
};

export const planFlags = {
  env: Flags.string({ description: 'environment overlay (environments/ENV/)' }),
  prune: Flags.boolean({ description: 'delete objects joey created that are gone from the manifests, in every workspace', default: false }),
  'allow-empty': Flags.boolean({ description: 'let an empty manifest set delete objects (with prune)', default: false }),
};

/** `--state`, else `JOEY_HOME`, else `.joey/` under the repo root. */
export function stateDirFor(root: string, state?: string): string {
  if (state) return resolve(state);
  return resolve(process.env.JOEY_HOME ?? join(root, '.joey'));
}

export const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Ask yes/no on the terminal; only an exact "yes" goes ahead (Terraform's rule). */
export async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(`${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `)).trim() === 'yes';
  } finally {
    rl.close();
  }
}
