import { Flags } from '@oclif/core';
import { JoeyCommand } from '../../../cli/base.js';
import { Engine, defaultStateDir } from '../../../engine/index.js';

export default class TokenList extends JoeyCommand {
  static override description = 'list API tokens (their handles, never the tokens)';

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: JOEY_HOME or ./.joey)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TokenList);
    const engine = await Engine.open({ stateDir: flags.state ?? defaultStateDir() });
    const tokens = engine.tokens.list();
    this.emit(flags.json, { tokens }, () =>
      tokens.length ? tokens.map((t) => `${t.handle}  ${t.user}${t.admin ? ' (admin)' : ''}  ${t.created_at}${t.name ? `  ${t.name}` : ''}`).join('\n') : 'no tokens',
    );
  }
}
