import { Flags } from '@oclif/core';
import { JoeyCommand } from '../cli/base.js';
import { defaultStateDir } from '../engine/index.js';
import { startDashboard } from '../engine/http/routes/ui.js';

export default class Ui extends JoeyCommand {
  static override description =
    'serve the dashboard (workspaces, pipelines, inferences, assays, workloads) on the embedded engine\'s state, with a fresh admin token for this session';

  static override examples = ['joey ui', 'joey ui --state .joey --port 8090'];

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: JOEY_HOME or ./.joey)' }),
    port: Flags.integer({ description: 'TCP port (0 = any free port)', default: 8090 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ui);
    const ui = await startDashboard({ stateDir: flags.state ?? defaultStateDir(), port: flags.port, host: flags.host });
    // The URL carries this session's token (in the #fragment, which browsers never send); it is revoked on exit.
    this.emit(flags.json, { url: `${ui.url}/ui/`, login_url: ui.loginUrl, port: ui.port }, () => `joey dashboard: open ${ui.loginUrl}\n(the token in this link is valid until you stop joey ui with Ctrl-C)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await ui.close();
  }
}
