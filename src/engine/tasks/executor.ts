/**
 * Executes one task run: a fresh working copy of the orchestration, its requirements in a per-orchestration
 * venv, then `python3 main.py` with the task's args, output captured line by line with timestamps, the
 * timeout enforced on the whole process group. Knows nothing about the store: the caller records the outcome.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { entrypointDir, extractOrchestrationZip } from '../orchestrations/extract.js';
import { runProcess } from './process.js';
import { openRunLog } from './run-log.js';
import { taskShimDir } from './shim.js';
import { ensureVenv } from './venv.js';

export type RunStatus = 'running' | 'success' | 'failure' | 'timed_out' | 'missed';
export type FinalRunStatus = 'success' | 'failure' | 'timed_out';

export interface RunRequest {
  runId: string;
  taskId: string;
  orchSha: string;
  zip: Uint8Array;
  args: Record<string, unknown>;
  /** Seconds for the whole run, requirements install included. */
  timeout?: number;
  /** Folder for this run: `work/` (deleted afterwards unless keepWorkDir), `args.json`. */
  runDir: string;
  logFile: string;
  /** Parent of the per-orchestration venvs. */
  venvRoot: string;
  /** Interpreter; default `$JOEY_PYTHON` or `python3`. */
  python?: string;
  /** Extra environment for the task (e.g. JOEY_ENGINE_URL). */
  env?: Record<string, string>;
  /** Aborting terminates the run (task killed, scheduler stopping): it ends `failure`, reason = the abort reason if a string, else "killed". */
  signal?: AbortSignal;
  onSpawn?: (pid: number) => void;
  keepWorkDir?: boolean;
}

export interface RunOutcome {
  status: FinalRunStatus;
  /** Why it did not succeed, in words. */
  reason: string | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string;
}

/** Environment for task code: the parent's, minus joey's own settings (tokens), plus the task variables. */
function taskEnv(req: RunRequest, argsFile: string, venv: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('JOEY_') && k !== 'VIRTUAL_ENV') env[k] = v;
  const shim = taskShimDir();
  Object.assign(env, req.env ?? {}, {
    PYTHONPATH: env.PYTHONPATH ? `${shim}:${env.PYTHONPATH}` : shim,
    PYTHONUNBUFFERED: '1',
    JOEY_TASK_ID: req.taskId,
    JOEY_TASK_RUN_ID: req.runId,
    JOEY_TASK_ARGS: JSON.stringify(req.args),
    JOEY_TASK_ARGS_FILE: argsFile,
    TASK_ID: req.taskId,
    ORCH_SHA: req.orchSha,
  });
  if (venv) {
    env.VIRTUAL_ENV = venv;
    env.PATH = `${join(venv, 'bin')}:${env.PATH ?? ''}`;
  }
  return env;
}

/** Why a run was stopped: the abort reason when it is a string (e.g. scheduler shutdown), else "killed". */
function abortReason(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === 'string' ? signal.reason : 'killed';
}

export async function executeRun(req: RunRequest): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const deadline = req.timeout !== undefined && req.timeout > 0 ? Date.now() + req.timeout * 1000 : undefined;
  const log = openRunLog(req.logFile);
  const work = join(resolve(req.runDir), 'work');
  const python = req.python ?? process.env.JOEY_PYTHON ?? 'python3';
  const end = async (status: FinalRunStatus, reason: string | null, exitCode: number | null = null, signal: string | null = null) => {
    if (reason) log.write('stderr', `joey: run ${status === 'timed_out' ? 'timed out' : 'failed'}: ${reason}`);
    await log.close();
    if (!req.keepWorkDir) rmSync(work, { recursive: true, force: true });
    return { status, reason, exitCode, signal, startedAt, endedAt: new Date().toISOString() };
  };
  try {
    mkdirSync(req.runDir, { recursive: true });
    const argsFile = join(resolve(req.runDir), 'args.json');
    writeFileSync(argsFile, JSON.stringify(req.args));
    const layout = await extractOrchestrationZip(req.zip, work);
    const cwd = entrypointDir(work, layout);
    const onLine = (s: 'stdout' | 'stderr', l: string) => log.write(s, l);
    const baseEnv = taskEnv(req, argsFile, null);
    const venv = await ensureVenv({
      venvRoot: req.venvRoot,
      sha: req.orchSha,
      requirements: layout.requirements ? join(work, layout.requirements) : null,
      python,
      env: baseEnv,
      deadline,
      signal: req.signal,
      onLine,
    });
    if (!venv.ok) {
      if (venv.timedOut) return end('timed_out', `exceeded its timeout of ${req.timeout}s while installing requirements`);
      return end('failure', venv.aborted ? abortReason(req.signal) : venv.reason);
    }
    const r = await runProcess(venv.python, [join(work, layout.entrypoint)], {
      cwd,
      env: taskEnv(req, argsFile, venv.venv),
      deadline,
      signal: req.signal,
      onLine,
      onSpawn: req.onSpawn,
    });
    if (r.spawnError) return end('failure', `could not start ${venv.python}: ${r.spawnError}`);
    if (r.timedOut) return end('timed_out', `exceeded its timeout of ${req.timeout}s`, r.exitCode, r.signal);
    if (r.aborted) return end('failure', abortReason(req.signal), r.exitCode, r.signal);
    if (r.exitCode === 0) return end('success', null, 0, null);
    return end(
      'failure',
      r.exitCode !== null ? `${layout.entrypoint} exited with code ${r.exitCode}` : `${layout.entrypoint} was killed by ${r.signal}`,
      r.exitCode,
      r.signal,
    );
  } catch (err) {
    return end('failure', (err as Error).message);
  }
}
