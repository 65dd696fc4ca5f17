import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { simpleGit } from 'simple-git';
import { copyExamples } from './examples.js';

export const ROOT = join(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin', 'run.js');

/** A git repo holding a copy of examples/ (so tests can edit it). */
export async function examplesRepo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'joey-e2e-'));
  copyExamples(dir);
  const git = simpleGit({ baseDir: dir });
  await git.init();
  await git.addConfig('user.email', 't@example.com').addConfig('user.name', 't');
  await git.add('.');
  await git.commit('manifests');
  return dir;
}

const env = () => {
  const e = { ...process.env };
  delete e.JOEY_HOME;
  delete e.JOEY_ENDPOINT;
  return e;
};

export function joey(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: env(), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function joeyAsync(args: string[], cwd: string): { child: ChildProcess; stdout: () => string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: env() });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}

export function edit(file: string, from: string | RegExp, to: string): void {
  const s = readFileSync(file, 'utf8');
  const t = s.replace(from, to);
  if (s === t) throw new Error(`no change in ${file}`);
  writeFileSync(file, t);
}
