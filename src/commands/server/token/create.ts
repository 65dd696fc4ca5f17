import { Flags } from '@oclif/core';
import { JoeyCommand } from '../../../cli/base.js';
import { Engine, defaultStateDir } from '../../../engine/index.js';

export default class TokenCreate extends JoeyCommand {
  static override description = 'create an API bearer token for a user (printed once; only its hash is stored)';
  static override examples = ['joey server token create --user alice', 'TOKEN=$(joey server token create --user ci --admin --json | jq -r .token)'];

  static override flags = {
    user: Flags.string({ description: 'the user the token acts as', required: true }),
    admin: Flags.boolean({ description: 'bypass workspace membership (operators, CI)', default: false }),
    name: Flags.string({ description: 'a note to tell tokens apart' }),
    state: Flags.string({ description: 'engine state directory (default: JOEY_HOME or ./.joey)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TokenCreate);
    const engine = await Engine.open({ stateDir: flags.state ?? defaultStateDir() });
    const { token, record } = await engine.tokens.create({ user: flags.user, admin: flags.admin, name: flags.name });
    this.emit(flags.json, { token, user: record.user, admin: record.admin, created_at: record.created_at }, () => token);
  }
}
