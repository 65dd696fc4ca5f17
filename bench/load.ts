/**
 * Loading + validating 10,000 manifest documents (target: under 3 s on this machine).
 * Generates a repo of 1,000 files × 10 documents (every kind, with references, artifacts shared), then times
 * `loadRepo` (YAML, schemas, references, artifact hashes, canonical specs) against a baseline that only reads
 * the same files and runs `yaml.parseAllDocuments` on them. KEEP=1 keeps the generated repo; GROUPS=n resizes it.
 * Run: `npx tsx bench/load.ts` (or `npm run bench -- load`).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { findManifestFiles, loadRepo } from '../src/manifest/index.js';

const GROUPS = Number(process.env.GROUPS ?? 1000); // × 10 documents
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function group(i: number): string {
  const ws = `team-${i}`;
  const md = (kind: string, name: string) => `apiVersion: joey.dev/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  workspace: ${ws}\n`;
  return [
    `apiVersion: joey.dev/v1\nkind: Workspace\nmetadata:\n  name: ${ws}\nspec:\n  members:\n    - {user: u${i}@example.com, role: owner}\n`,
    `${md('Model', 'ccfraud')}spec:\n  framework: onnx\n  path: ../ccfraud.onnx\n  tensorFields: [tensor]\n`,
    `${md('Model', 'ccfraud-v2')}spec:\n  framework: onnx\n  path: ../ccfraud.onnx\n`,
    `${md('DeploymentConfig', 'small')}spec:\n  replicas: 1\n  cpus: 0.25\n  memory: 1024Mi\n`,
    `${md('Pipeline', 'fraud')}spec:\n  steps:\n    - model: ccfraud\n  validations:\n    high_fraud: pl.col("out.dense_1").list.get(0) > 0.9\n  deployment: small\n`,
    `${md('Pipeline', 'fraud-ab')}spec:\n  steps:\n    - abTest:\n        champion: ccfraud\n        challengers: [{model: ccfraud-v2, weight: 1}]\n  deployment: {cpus: 0.5, memory: 512Mi}\n`,
    `${md('Orchestration', 'report')}spec:\n  path: ../orch\n`,
    `${md('Task', 'nightly')}spec:\n  orchestration: report\n  run: scheduled\n  schedule: "${i % 60} ${i % 24} * * *"\n  args: {n: ${i}}\n`,
    `${md('Assay', 'drift')}spec:\n  pipeline: fraud\n  iopath: output dense_1 0\n  baseline: {values: [0.1, 0.2, 0.3, 0.4]}\n  window: {width: 1h}\n`,
    `${md('Connection', 'alerts')}spec:\n  type: HTTP\n  details: {url: "https://example.com/${i}", token: "env:TOKEN"}\n`,
  ].join('---\n');
}

function generate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'joey-bench-load-'));
  mkdirSync(join(dir, 'orch'));
  writeFileSync(join(dir, 'orch/main.py'), 'print("report")\n');
  copyFileSync(join(ROOT, 'examples/models/ccfraud.onnx'), join(dir, 'ccfraud.onnx'));
  for (let i = 0; i < GROUPS; i++) {
    const sub = join(dir, `g${String(Math.floor(i / 100)).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `team-${i}.yaml`), group(i));
  }
  return dir;
}

function baseline(dir: string): number {
  let docs = 0;
  for (const f of findManifestFiles(dir)) docs += parseAllDocuments(readFileSync(join(dir, f), 'utf8')).length;
  return docs;
}

async function main() {
  const dir = generate();
  try {
    // First load in this process: what one `joey validate` run pays (schema compilation, empty caches).
    baseline(dir); // warm the file cache so both sides read from memory
    const t0 = performance.now();
    const first = await loadRepo(dir);
    const firstMs = performance.now() - t0;
    const errors = first.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`bench repo is invalid: ${errors.length} errors, first: ${JSON.stringify(errors[0])}`);
    if (first.resources.length !== GROUPS * 10) throw new Error(`expected ${GROUPS * 10} resources, got ${first.resources.length}`);

    const best = async (fn: () => unknown) => {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await fn();
        ms = Math.min(ms, performance.now() - t);
      }
      return ms;
    };
    const base = await best(() => baseline(dir));
    const again = await best(() => loadRepo(dir));
    const n = GROUPS * 10;
    const out = [
      `documents: ${n} in ${GROUPS} files`,
      `baseline (read + yaml.parseAllDocuments, best of 3): ${base.toFixed(0)} ms`,
      `loadRepo first run in process (parse + schemas + references + artifact hashes + canonical specs): ${firstMs.toFixed(0)} ms (${((firstMs / n) * 1000).toFixed(1)} µs/doc), ${(firstMs / base).toFixed(2)}x baseline`,
      `loadRepo again (best of 3, compiled schemas and memoized cron/zone checks): ${again.toFixed(0)} ms, ${(again / base).toFixed(2)}x baseline`,
      `target < 3000 ms for the first run: ${firstMs < 3000 ? 'PASS' : 'FAIL'}`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    if (firstMs >= 3000) process.exitCode = 1;
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else process.stdout.write(dir + "\n");
  }
}

await main();
