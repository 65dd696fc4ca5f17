import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../examples/orchestrations/nightly-report/main.py', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('the example orchestration', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'joey-example-orch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.skipIf(!hasPython)('reads its args from JOEY_TASK_ARGS and reports rows above the threshold', () => {
    const logs = join(tmp, 'logs.json');
    // Inference-log rows in both shapes the platform exports (flat `out.dense_1`, nested `out.dense_1`).
    writeFileSync(logs, JSON.stringify([{ 'out.dense_1': [0.95] }, { out: { dense_1: [0.1] } }, { 'out.dense_1': [0.91] }, { 'out.dense_1': [0.2] }]));
    const args = { workspace: 'fraud', pipeline: 'ccfraud', threshold: 0.9, logs_file: logs };
    const r = spawnSync('python3', [MAIN], { env: { ...process.env, JOEY_TASK_ARGS: JSON.stringify(args), PYTHONPATH: '' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim());
    expect(report).toMatchObject({ workspace: 'fraud', pipeline: 'ccfraud', threshold: 0.9, rows: 4, high_fraud: 2 });
  });
});
