import { Args } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { connectionFlags, stateDirFor } from '../apply/cli.js';
import { forceUnlock } from '../apply/lock.js';
import { Flags } from '@oclif/core';

export default class ForceUnlock extends JoeyCommand {
  static override description = 'remove the apply lock of a process that is gone (the lock ID is in the "locked" error)';
  static override args = { id: Args.string({ description: 'lock ID', required: true }) };
  static override flags = { state: connectionFlags.state, root: Flags.string({ description: 'repo root', default: '.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ForceUnlock);
    const stateDir = stateDirFor(resolve(flags.root), flags.state);
    const holder = forceUnlock(stateDir, args.id);
    this.emit(flags.json, { unlocked: holder }, () => `Released the lock ${holder.ID} held by ${holder.Who} (pid ${holder.Pid}, ${holder.Operation} since ${holder.Created}).`);
  }
}
