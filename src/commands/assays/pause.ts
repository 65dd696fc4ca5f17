import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../../cli/base.js';
import { parseAssayTarget } from '../../assays/index.js';
import { assaysOf } from '../../engine/assays/index.js';
import { Engine, defaultStateDir } from '../../engine/index.js';

export default class AssaysPause extends JoeyCommand {
  static override description = 'pause an assay (no windows are analyzed until it is resumed)';
  static override args = { target: Args.string({ description: 'WORKSPACE/ASSAY', required: true }) };
  static override flags = { state: Flags.string({ description: 'engine state directory (default .joey/, or JOEY_HOME)' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AssaysPause);
    const { workspace, name } = parseAssayTarget(args.target);
    const engine = await Engine.open({ stateDir: flags.state ? resolve(flags.state) : defaultStateDir('.') });
    try {
      const svc = assaysOf(engine);
      const a = await svc.setActive(svc.getByName(engine.workspaces.getByName(workspace).id, name).id, false);
      this.emit(flags.json, { name: a.name, workspace, active: a.active }, () => `assay ${workspace}/${a.name} is ${a.active ? 'active' : 'paused'}`);
    } finally {
      await engine.close();
    }
  }
}
