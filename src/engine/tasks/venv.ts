/**
 * One Python virtual environment per orchestration (keyed by its sha256), built on first use with
 * `python3 -m venv` and `pip install -r requirements.txt`, reused by every later run. A requirements file
 * with nothing but comments and blank lines needs no venv: the machine's python3 runs the task.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive, runProcess, type Stream } from './process.js';

export interface VenvRequest {
  venvRoot: string;
  sha: string;
  /** Absolute path of requirements.txt in the run's working copy, or null. */
  requirements: string | null;
  python: string;
  env: NodeJS.ProcessEnv;
  deadline?: number;
  signal?: AbortSignal;
  onLine: (stream: Stream, line: string) => void;
}

export type VenvResult =
  | { ok: true; python: string; venv: string | null }
  | { ok: false; reason: string; timedOut: boolean; aborted: boolean };

const READY = '.joey-ready';

export function requirementsAreEmpty(text: string): boolean {
  return text.split(/\r?\n/).every((l) => l.replace(/#.*/, '').trim() === '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mkdir-based lock (atomic on every filesystem); a lock whose holder died is taken over. */
async function lock(path: string, deadline: number | undefined, signal?: AbortSignal): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(path, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (Number.isFinite(holder) && holder > 0 && !isAlive(holder)) rmSync(path, { recursive: true, force: true });
      if ((deadline !== undefined && Date.now() > deadline) || signal?.aborted) throw new Error('timed out waiting for another run to build the venv');
      await sleep(200);
    }
  }
}

export async function ensureVenv(req: VenvRequest): Promise<VenvResult> {
  if (!req.requirements || requirementsAreEmpty(readFileSync(req.requirements, 'utf8'))) {
    return { ok: true, python: req.python, venv: null };
  }
  const dir = join(req.venvRoot, req.sha);
  const py = join(dir, 'bin', 'python');
  if (existsSync(join(dir, READY))) return { ok: true, python: py, venv: dir };
  mkdirSync(req.venvRoot, { recursive: true });
  let unlock: () => void;
  try {
    unlock = await lock(`${dir}.lock`, req.deadline, req.signal);
  } catch (err) {
    return { ok: false, reason: (err as Error).message, timedOut: !req.signal?.aborted, aborted: !!req.signal?.aborted };
  }
  try {
    if (existsSync(join(dir, READY))) return { ok: true, python: py, venv: dir };
    rmSync(dir, { recursive: true, force: true });
    req.onLine('stderr', `joey: creating a virtual environment for requirements.txt`);
    const mk = await runProcess(req.python, ['-m', 'venv', dir], { ...common(req), cwd: req.venvRoot });
    if (mk.spawnError || mk.exitCode !== 0 || mk.timedOut || mk.aborted) {
      rmSync(dir, { recursive: true, force: true });
      return { ok: false, reason: mk.spawnError ?? `"${req.python} -m venv" failed (exit ${mk.exitCode ?? mk.signal})`, timedOut: mk.timedOut, aborted: mk.aborted };
    }
    req.onLine('stderr', `joey: pip install -r requirements.txt`);
    const errors: string[] = [];
    const pip = await runProcess(
      py,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', req.requirements],
      {
        ...common(req),
        cwd: dirname(req.requirements),
        onLine: (s, l) => {
          if (/^ERROR:/.test(l)) errors.push(l.replace(/^ERROR:\s*/, ''));
          req.onLine(s, l);
        },
      },
    );
    if (pip.exitCode !== 0 || pip.timedOut || pip.aborted || pip.spawnError) {
      rmSync(dir, { recursive: true, force: true });
      const why = errors.length ? errors.join('; ') : pip.spawnError ?? `pip exited with ${pip.exitCode ?? pip.signal}`;
      return { ok: false, reason: `requirements.txt could not be installed: ${why}`, timedOut: pip.timedOut, aborted: pip.aborted };
    }
    writeFileSync(join(dir, READY), new Date().toISOString());
    return { ok: true, python: py, venv: dir };
  } finally {
    unlock();
  }
}

function common(req: VenvRequest) {
  return { cwd: req.venvRoot, env: req.env, deadline: req.deadline, signal: req.signal, onLine: req.onLine };
}
