// The dashboard end to end: a seeded engine (examples applied from git, real inferences, an evaluated assay,
// task runs), served by `startDashboard` on 127.0.0.1 and driven in Debian's headless Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../src/engine/http/routes/ui.js';
import { Engine } from '../src/engine/index.js';
import { seedExamples, type Seeded } from './ui-seed.js';

const ROOT = join(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser tests skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);
const ARTIFACTS = join(ROOT, 'test/artifacts');

let seed: Seeded;
let ui: Dashboard;
let token: string;

const post = async (path: string, body: unknown, tok?: string) => {
  const res = await fetch(ui.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
};

/** A GET with the path sent exactly as written (fetch would normalize `..`). */
const rawGet = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const u = new URL(ui.url);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  const b = spawnSync('npx', ['vite', 'build', 'ui', '--outDir', '../dist/ui', '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`vite build failed: ${b.stderr}`);
  seed = await seedExamples();
  expect(seed.applyFailed).toEqual([]);
  ui = await startDashboard({ stateDir: seed.stateDir, port: 0 });
  token = decodeURIComponent(/#token=(.+)$/.exec(ui.loginUrl)![1]!);
});

afterAll(async () => {
  await ui?.close();
});

describe('dashboard files and API auth', () => {
  it('serves the built page and its assets without a token, with a strict CSP; no path escapes dist/ui', async () => {
    const res = await fetch(`${ui.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    const js = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(ui.url + js);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${ui.url}/ui`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');
    for (const p of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/assets/..%2f..%2fpackage.json', '/ui/nope.js']) expect((await rawGet(p)).status).toBe(404);
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
  });

  it('refuses every API call the pages make without a valid token (401), and other users see only their workspaces (403)', async () => {
    const ws = (await post('/v1/api/workspaces/list', {}, token)).json.workspaces.find((w: any) => w.name === 'fraud');
    const pipeline = (await post('/v1/api/pipelines/list', { workspace_id: ws.id }, token)).json.pipelines.find((p: any) => p.name === 'ccfraud');
    const tasks = (await post('/v1/api/task/list', { workspace_id: ws.id }, token)).json;
    const calls: [string, Record<string, unknown>][] = [
      ['/v1/api/workspaces/list', {}],
      ['/v1/api/pipelines/list', { workspace_id: ws.id }],
      ['/v1/api/pipelines/get_pipeline', { pipeline_id: pipeline.id }],
      ['/v1/api/pipelines/list_versions', { pipeline_id: pipeline.id }],
      ['/v1/api/ui/pipeline_inferences', { pipeline_id: pipeline.id }],
      ['/v1/api/ui/assays', { workspace_id: ws.id }],
      ['/v1/api/orchestration/list', { workspace_id: ws.id }],
      ['/v1/api/task/list', { workspace_id: ws.id }],
      ['/v1/api/task/list_task_runs', { task_id: tasks[0].id }],
      ['/v1/api/ui/activity', {}],
    ];
    // The two actions: refused without a token (their success is checked in the browser test below).
    const actions: [string, Record<string, unknown>][] = [
      ['/v1/api/task/kill', { id: tasks[0].id }],
      ['/v1/api/ui/task/run_now', { id: tasks[0].id }],
    ];
    for (const [path, body] of [...calls, ...actions]) {
      expect((await post(path, body)).status, path).toBe(401);
      expect((await post(path, body, 'joey_not-a-real-token')).status, path).toBe(401);
    }
    for (const [path, body] of calls) expect((await post(path, body, token)).status, path).toBe(200);
    // A user who is not a member of `fraud` sees no workspace, and is refused its objects and actions.
    const engine = await Engine.open({ stateDir: seed.stateDir });
    const { token: other } = await engine.tokens.create({ user: 'mallory' });
    await engine.close();
    expect((await post('/v1/api/workspaces/list', {}, other)).json.workspaces).toEqual([]);
    for (const [path, body] of [...calls.slice(2), ...actions].filter(([p]) => p !== '/v1/api/ui/activity')) expect((await post(path, body, other)).status, path).toBe(403);
    expect((await post('/v1/api/ui/activity', {}, other)).json.objects).toEqual([]);
  });

  it('`joey ui` prints a login link whose token works until it exits', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'ui', '--state', seed.stateDir, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    for (let i = 0; i < 200 && !out.includes('}'); i++) await new Promise((r) => setTimeout(r, 50));
    const printed = JSON.parse(out);
    const tok = decodeURIComponent(/#token=(.+)$/.exec(printed.login_url)![1]!);
    expect((await fetch(printed.url)).status).toBe(200);
    const list = await fetch(new URL('/v1/api/workspaces/list', printed.url), { method: 'POST', headers: { authorization: `Bearer ${tok}` } });
    expect(list.status).toBe(200);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const engine = await Engine.open({ stateDir: seed.stateDir });
    expect(engine.tokens.verify(tok)).toBeUndefined(); // revoked on exit
    await engine.close();
  });
});

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  let ctx: BrowserContext;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'joey-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('asks for a token, refuses a wrong one (401), and logs in with the right one', async () => {
    const refused: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/v1/api/')) refused.push(r.status());
    });
    await page.goto(`${ui.url}/ui/`);
    await page.getByTestId('login').waitFor();
    expect(refused).toEqual([]); // no data is fetched before there is a token
    await page.fill('#token', 'joey_wrong');
    await page.click('button[type=submit]');
    await page.getByText(/token was refused \(401\)/).waitFor();
    expect(refused).toEqual([401]);
    await shot('login');
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.getByTestId('workspace-fraud').waitFor();
    const row = await page.getByTestId('workspace-fraud').innerText();
    expect(row).toContain('fraud');
    expect(row).toContain('workspaces/fraud.yaml');
    expect(await page.getByTestId('workspace-fraud').getByTestId('commit').getAttribute('title')).toMatch(/^[0-9a-f]{40}$/);
    await shot('workspaces');
  });

  it('lists pipelines with version, deployment status and the manifest + commit they came from', async () => {
    await page.click('[data-nav=pipelines]');
    await page.getByTestId('pipeline-ccfraud').waitFor();
    const row = await page.getByTestId('pipeline-ccfraud').innerText();
    expect(row).toContain('Running');
    expect(row).toContain('pipelines/ccfraud.yaml');
    expect(row).toContain('high_fraud');
    expect(await page.getByTestId('pipeline-ccfraud-ab').innerText()).toContain('pipelines/ccfraud-ab.yaml');
    await shot('pipelines');
  });

  it("shows a pipeline's inferences and anomaly counts over time, as the logs have them", async () => {
    const ws = (await post('/v1/api/workspaces/list', {}, token)).json.workspaces.find((w: any) => w.name === 'fraud');
    const logs = (await post('/v1/api/pipelines/get_logs', { workspace_id: ws.id, pipeline: 'ccfraud', limit: 100_000 }, token)).json.records as Record<string, unknown>[];
    const anomalies = logs.filter((r) => Number(r['anomaly.count']) > 0).length;
    expect(logs.length).toBe(seed.rows);
    expect(anomalies).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'ccfraud', exact: true }).click();
    await page.getByTestId('inference-chart').waitFor();
    expect(await page.getByTestId('inference-summary').innerText()).toBe(`${seed.rows} logged rows, ${anomalies} with anomalies`);
    expect(await page.getByTestId('inference-chart').locator('rect.bar').count()).toBeGreaterThan(3);
    expect(await page.getByTestId('deployment-status').innerText()).toContain('Running');
    expect(await page.getByTestId('inferences').locator('tbody tr').count()).toBe(20);
    const times = await page.getByTestId('inferences').locator('tbody tr td:first-child').allInnerTexts();
    expect(times).toEqual([...times].sort().reverse()); // newest first
    expect(await page.getByTestId('versions').locator('tbody tr').count()).toBe(1);
    await shot('pipeline');
  });

  it("charts an assay's scores against its thresholds and compares a window's bins with the baseline", async () => {
    await page.click('[data-nav=assays]');
    const chart = page.getByTestId('score-chart-ccfraud-drift');
    await chart.waitFor();
    expect(await chart.locator('circle.point').count()).toBe(seed.assayWindows.length);
    expect(await chart.locator('line.threshold').count()).toBe(2);
    const last = seed.assayWindows[seed.assayWindows.length - 1]!;
    const bins = await page.getByTestId('bins-ccfraud-drift').innerText();
    expect(bins).toContain(last.status);
    expect(bins).toContain(Number(last.score.toPrecision(4)).toString());
    expect(await page.getByTestId('bin-table-ccfraud-drift').locator('tbody tr').count()).toBe(7); // 5 bins + 2 outlier bins
    expect(await page.getByTestId('bin-chart-ccfraud-drift').locator('rect.bar').count()).toBe(14);
    // Another window: its own score appears.
    await page.getByTestId('window-select-ccfraud-drift').selectOption('0');
    expect(await page.getByTestId('bins-ccfraud-drift').innerText()).toContain(Number(seed.assayWindows[0]!.score.toPrecision(4)).toString());
    await page.getByTestId('window-select-ccfraud-drift').selectOption(String(seed.assayWindows.length - 1));
    await shot('assays');
  });

  it('lists workloads with search and Active/Inactive/Error filters', async () => {
    await page.click('[data-nav=workloads]');
    await page.getByTestId('workload-nightly-report').waitFor();
    expect(await page.getByTestId('workload-nightly-report').innerText()).toContain('Active');
    await page.getByTestId('workload-search').fill('no-such-workload');
    await page.getByText('No workload matches.').waitFor();
    await page.getByTestId('workload-search').fill('nightly');
    await page.getByTestId('workload-filter').selectOption('Only Inactive');
    await page.getByText('No workload matches.').waitFor();
    await page.getByTestId('workload-filter').selectOption('Only Active');
    await page.getByTestId('workload-nightly-report').waitFor();
    await shot('workloads');
  });

  it('shows an orchestration with its tasks and runs (Success, Failure) and their logs; Run now and Stop go through the API', async () => {
    await page.getByRole('link', { name: 'nightly-report' }).click();
    await page.getByTestId('orchestration').waitFor();
    expect(await page.getByTestId('task-nightly-report').innerText()).toContain('Run Scheduled');
    expect(await page.getByTestId('task-nightly-report').innerText()).toContain('0 1 * * *');
    expect(await page.getByTestId('task-report-missing-logs').innerText()).toContain('Run Once');
    expect(await page.getByTestId('run-success').count()).toBe(1);
    expect(await page.getByTestId('run-failure').count()).toBe(1);
    await page.getByTestId('run-success').getByRole('button', { name: 'Logs' }).click();
    expect(await page.getByTestId('run-logs').innerText()).toContain('"threshold": 0.9');
    await page.getByTestId('run-failure').getByRole('button', { name: 'Logs' }).click();
    expect(await page.getByTestId('run-logs').innerText()).toContain('/nonexistent/logs.json');
    await shot('orchestration');

    // Run now: a second run of the scheduled task, started through the API.
    const task = (await post('/v1/api/task/list', { workspace_id: (await post('/v1/api/workspaces/list', {}, token)).json.workspaces[0].id }, token)).json.find((t: any) => t.name === 'nightly-report');
    await page.getByTestId('run-now-nightly-report').click();
    let runs: any[] = [];
    for (let i = 0; i < 300; i++) {
      runs = (await post('/v1/api/task/list_task_runs', { task_id: task.id }, token)).json;
      if (runs.length === 2 && runs.every((r) => r.ended_at)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs.map((r) => r.status)).toEqual(['success', 'success']);

    // Stop (kill), confirmed in the dialog.
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('kill-nightly-report').click();
    await page.getByTestId('task-nightly-report').getByText(/stopped|stopping/).waitFor();
    expect((await post('/v1/api/task/get_by_id', { id: task.id }, token)).json.killed).toBe(true);
    expect(await page.getByTestId('run-success').count()).toBe(2);
    await shot('orchestration-after-kill');

    // One task's page: its details and its runs.
    await page.getByRole('link', { name: 'report-missing-logs' }).click();
    await page.getByTestId('task-facts').waitFor();
    expect(await page.getByTestId('task-facts').innerText()).toContain('Temporary Run');
    expect(await page.getByTestId('run-failure').count()).toBe(1);
    expect(await page.getByTestId('run-success').count()).toBe(0);
    await shot('task');

    await page.click('[data-nav=workloads]');
    await page.getByTestId('workload-filter').selectOption('Only Inactive');
    await page.getByTestId('workload-nightly-report').waitFor(); // no active task left
  });

  it('shows what was applied from which commit', async () => {
    await page.click('[data-nav=activity]');
    await page.getByTestId('commits').waitFor();
    expect(await page.getByTestId('commits').innerText()).toContain(seed.commit.slice(0, 12));
    const applied = await page.getByTestId('applied').innerText();
    for (const s of ['assays/ccfraud-drift.yaml', 'pipelines/ccfraud.yaml', 'orchestrations/nightly-report.yaml', 'tasks/nightly-report.yaml']) expect(applied).toContain(s);
    await shot('activity');
  });

  it('forgets the token on log out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("joey.token")')).toBeNull();
  });
});
