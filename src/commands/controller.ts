import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { JoeyCommand } from '../cli/base.js';
import { JoeyError } from '../model/index.js';
import { parseDuration } from '../model/duration.js';
import { SyncController, engineReconciler, kubernetesReconciler, serveController, type SyncEvent } from '../../controllers/sync/index.js';
import { startSideLoops } from '../../controllers/sync/side-loops.js';

export default class Controller extends JoeyCommand {
  static override description =
    'keep the running state at the tip of a git branch: fetch every --interval or on a push webhook, then plan + apply; ' +
    'serves /hooks/git, /healthz, /readyz, /metrics and /status; runs the tasks and assays loops for the embedded engine';

  static override examples = [
    'JOEY_WEBHOOK_SECRET=s3cret <%= config.bin %> controller --repo https://git.example.com/ml/fraud.git --webhook-port 9090',
    '<%= config.bin %> controller --repo ../manifests --target kubernetes --namespace ml --interval 30s --drift-policy warn',
  ];

  static override flags = {
    repo: Flags.string({ description: 'git URL or local path of the manifests repo', required: true }),
    branch: Flags.string({ description: 'branch to follow', default: 'main' }),
    interval: Flags.string({ description: 'how often to fetch and re-apply (corrects drift)', default: '60s' }),
    'webhook-port': Flags.integer({ description: 'port for /hooks/git, /healthz, /readyz, /metrics, /status (0 = any)', default: 9090 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    'webhook-secret': Flags.string({ description: 'secret for GitHub (X-Hub-Signature-256) and GitLab (X-Gitlab-Token) webhooks', env: 'JOEY_WEBHOOK_SECRET' }),
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey); the controller keeps its checkout in <state>/controller' }),
    target: Flags.string({ description: 'what to sync', options: ['engine', 'kubernetes'], default: 'engine' }),
    'drift-policy': Flags.string({ description: 'correct: re-apply drifted objects; warn: report them only', options: ['correct', 'warn'], default: 'correct' }),
    env: Flags.string({ description: 'environment overlay (environments/ENV/)' }),
    prune: Flags.boolean({ description: 'delete objects joey created that are gone from the manifests', default: false, allowNo: true }),
    endpoint: Flags.string({ description: 'engine target: URL of a joey server instead of the embedded engine', env: 'JOEY_ENDPOINT' }),
    token: Flags.string({ description: 'engine target: bearer token for --endpoint', env: 'JOEY_TOKEN' }),
    context: Flags.string({ description: 'kubernetes target: kubeconfig context' }),
    namespace: Flags.string({ description: 'kubernetes target: namespace' }),
    kubeconfig: Flags.string({ description: 'kubernetes target: kubeconfig file' }),
    image: Flags.string({ description: 'kubernetes target: engine and task image' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Controller);
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    let intervalMs: number;
    try {
      intervalMs = parseDuration(flags.interval);
    } catch (e) {
      throw new JoeyError('invalid', `--interval: ${(e as Error).message}`);
    }
    const stateDir = resolve(flags.state ?? process.env.JOEY_HOME ?? '.joey');
    const driftPolicy = flags['drift-policy'] as 'correct' | 'warn';
    const reconcile =
      flags.target === 'kubernetes'
        ? kubernetesReconciler({ env: flags.env, image: flags.image, namespace: flags.namespace, context: flags.context, kubeconfig: flags.kubeconfig, prune: flags.prune })
        : engineReconciler({ stateDir, endpoint: flags.endpoint, token: flags.token, env: flags.env, prune: flags.prune });
    const ctl = new SyncController({ repo: flags.repo, branch: flags.branch, intervalMs, stateDir: join(stateDir, 'controller'), target: flags.target, driftPolicy, reconcile });
    ctl.on('sync', (e: SyncEvent) => {
      const at = e.commit ? e.commit.slice(0, 12) : '?';
      if (e.type === 'synced') log(`synced ${flags.branch}@${at} in ${e.ms} ms (${e.reason}): ${e.report?.summary}`);
      else log(`sync of ${flags.branch}@${at} failed (${e.reason}): ${e.error}`);
    });
    if (!flags['webhook-secret']) log('no webhook secret: /hooks/git accepts unsigned pushes (set --webhook-secret or JOEY_WEBHOOK_SECRET)');
    const http = await serveController(ctl, { port: flags['webhook-port'], host: flags.host, webhookSecret: flags['webhook-secret'] });
    log(`joey controller: ${flags.repo}@${flags.branch} → ${flags.target}, every ${flags.interval}, listening on ${http.url}`);
    const side = flags.target === 'engine' && !flags.endpoint ? await startSideLoops(stateDir, log) : { loops: [], close: async () => {} };
    if (side.loops.length) log(`running loops: ${side.loops.map((l) => l.name).join(', ')}`);
    await ctl.start();
    this.emit(flags.json, { url: http.url, state: stateDir, status: ctl.status }, () => '');
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    log('stopping');
    await ctl.stop();
    log('stopping: sync stopped');
    await side.close();
    log('stopping: loops stopped');
    http.server.closeAllConnections?.(); // idle keep-alive webhook/metrics connections would hold close() open
    await http.close();
    log('stopped');
    // Everything joey started is closed, so the process ends on its own; should a stray handle hold the event loop,
    // this unref'd timer still ends a stopped daemon (it never keeps the process alive itself).
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
  }
}
