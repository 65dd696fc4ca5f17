import { createRequire } from 'node:module';
import { JoeyCommand } from '../cli/base.js';

export default class Version extends JoeyCommand {
  static override description = 'print the joey version';

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    this.emit(flags.json, { version: pkg.version, node: process.version }, () => `joey ${pkg.version} (node ${process.version})`);
  }
}
