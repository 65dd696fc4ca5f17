import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { connectionFlags, stateDirFor } from '../apply/cli.js';
import { generateManifests, importObject, parseKind } from '../apply/import.js';
import { gitCommit } from '../apply/commit.js';
import { loadDesiredRepo } from '../apply/reconcile.js';
import { JoeyError } from '../model/index.js';
import { openProvider } from '../providers/engine/provider.js';

export default class Import extends JoeyCommand {
  static override description = 'adopt an existing object so joey manages it (KIND WORKSPACE/NAME), or write manifests for unmanaged objects (--generate DIR)';
  static override examples = ['joey import pipeline fraud/ccfraud', 'joey import --generate imported/'];
  static override args = {
    kind: Args.string({ description: 'kind of the object (Pipeline, Model, ...)' }),
    name: Args.string({ description: 'WORKSPACE/NAME (a workspace: NAME)' }),
  };
  static override flags = {
    ...connectionFlags,
    root: Flags.string({ description: 'repo root (for the state directory, the commit and the source position)', default: '.' }),
    generate: Flags.string({ description: 'write manifests for every object joey does not manage into DIR' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Import);
    const root = resolve(flags.root);
    const stateDir = stateDirFor(root, flags.state);
    const provider = await openProvider({ stateDir, endpoint: flags.endpoint, token: flags.token });
    try {
      if (flags.generate !== undefined) {
        const dir = resolve(flags.generate || 'imported');
        const r = await generateManifests(provider, dir);
        this.emit(flags.json, r, () =>
          [...r.written.map((f) => `wrote ${f}`), ...r.skipped.map((f) => `kept existing ${f}`), `${r.written.length} manifest(s) written to ${dir}.`].join('\n'),
        );
        return;
      }
      if (!args.kind || !args.name) throw new JoeyError('invalid', 'usage: joey import KIND WORKSPACE/NAME, or joey import --generate DIR');
      let desired;
      try {
        desired = (await loadDesiredRepo(root, { stateDir })).desired;
      } catch {
        desired = undefined; // importing does not need valid manifests
      }
      const r = await importObject(provider, parseKind(args.kind), args.name, { commit: await gitCommit(root, stateDir), desired });
      this.emit(flags.json, r, () => `${r.key}: ${r.alreadyManaged ? 'was already managed; labels refreshed' : 'now managed by joey'}. Run \`joey plan\` to see how the manifests differ.`);
    } finally {
      await provider.close?.();
    }
  }
}
