import { Flags } from '@oclif/core';
import { JoeyCommand } from '../cli/base.js';
import { Engine, defaultStateDir } from '../engine/index.js';
import { startServer } from '../engine/http/server.js';
import { attachUi } from '../engine/http/routes/ui.js';
import { startLoops } from '../../controllers/sync/side-loops.js';

export default class Server extends JoeyCommand {
  static override description = 'serve the engine API (the platform\'s MLOps routes) over HTTP with bearer-token auth';
  static override examples = ['joey server --port 8080 --state .joey', 'joey server token create --user alice'];

  static override flags = {
    port: Flags.integer({ description: 'TCP port (0 = any free port)', default: 8080 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    state: Flags.string({ description: 'engine state directory (default: JOEY_HOME or ./.joey)' }),
    'max-upload-mb': Flags.integer({ description: 'largest model/orchestration upload in MiB', default: 512 }),
    'max-json-mb': Flags.integer({ description: 'largest JSON request body in MiB', default: 10 }),
    loops: Flags.boolean({ description: 'run the task scheduler and the assay loop in this process', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    const engine = await Engine.open({ stateDir: flags.state ?? defaultStateDir() });
    const srv = await startServer(engine, {
      port: flags.port,
      host: flags.host,
      maxUploadBytes: flags['max-upload-mb'] * 1024 * 1024,
      maxJsonBytes: flags['max-json-mb'] * 1024 * 1024,
      onError: (e) => process.stderr.write(`joey server: internal error: ${(e as Error)?.stack ?? String(e)}\n`),
    });
    attachUi(srv); // the dashboard's static files under /ui/ (its API calls carry the bearer token)
    const log = (line: string) => process.stderr.write(`joey server: ${line}\n`);
    const loops = flags.loops ? startLoops(engine, log) : [];
    this.emit(flags.json, { url: srv.url, port: srv.port, state: engine.stateDir }, () => `joey server listening on ${srv.url} (state ${engine.stateDir})`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    for (const l of loops) await l.stop();
    await srv.close();
    await engine.close();
  }
}
