import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../../../cli/base.js';
import { Engine, defaultStateDir } from '../../../engine/index.js';
import { JoeyError } from '../../../model/index.js';

export default class TokenRevoke extends JoeyCommand {
  static override description = 'revoke an API token, by the token or by its handle (see `joey server token list`)';

  static override args = {
    token: Args.string({ description: 'the token, or its 12-character handle', required: true }),
  };

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: JOEY_HOME or ./.joey)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TokenRevoke);
    const engine = await Engine.open({ stateDir: flags.state ?? defaultStateDir() });
    if (!(await engine.tokens.revoke(args.token))) throw new JoeyError('not_found', 'no such token', { status: 404 });
    this.emit(flags.json, { revoked: true }, () => 'revoked');
  }
}
