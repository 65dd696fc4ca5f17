import { relative, resolve, sep } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../cli/base.js';
import { formatDiagnostic, type Diagnostic } from '../model/index.js';
import { loadRepo, summarize } from '../manifest/index.js';

export default class Validate extends JoeyCommand {
  static override description =
    'check every manifest under ROOT: YAML syntax, schemas, references, artifacts; exit 1 with every problem';

  static override examples = ['<%= config.bin %> validate examples', '<%= config.bin %> validate . --env prod --json'];

  static override args = {
    root: Args.string({ description: 'repo root holding the manifests', default: '.' }),
  };

  static override flags = {
    env: Flags.string({ description: 'apply the environments/<env>/ overlay' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Validate);
    const result = await loadRepo(args.root, { env: flags.env });
    // Show files relative to the current directory so `joey validate examples` prints clickable paths.
    const shown: Diagnostic[] = result.diagnostics.map((d) => ({
      ...d,
      file: relative(process.cwd(), resolve(result.root, d.file)).split(sep).join('/'),
    }));
    const errors = shown.filter((d) => d.severity === 'error').length;
    const warnings = shown.length - errors;
    this.emit(flags.json, shown, () => {
      const lines = shown.map(formatDiagnostic);
      if (errors === 0) {
        const { text } = summarize(result.resources);
        const env = flags.env ? ` (env ${flags.env})` : '';
        lines.push(`${args.root}${env}: ${result.resources.length} documents valid${text ? ` (${text})` : ''}${warnings ? `, ${warnings} warning(s)` : ''}`);
      } else {
        lines.push(`${args.root}: ${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ''}`);
      }
      return lines.join('\n');
    });
    if (errors > 0) process.exitCode = 1;
  }
}
