/**
 * Runs one child process in its own process group, hands its output over line by line, and enforces a
 * deadline and an abort signal by killing the whole group (SIGTERM, then SIGKILL after a grace period), so
 * grandchildren a task script starts die with it.
 */
import { spawn } from 'node:child_process';

export type Stream = 'stdout' | 'stderr';

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Absolute deadline (ms since epoch); past it the group is killed and `timedOut` is set. */
  deadline?: number;
  signal?: AbortSignal;
  onLine: (stream: Stream, line: string) => void;
  onSpawn?: (pid: number) => void;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the process could not be started at all (e.g. python3 missing). */
  spawnError?: string;
}

/** Longest line kept whole; longer output is cut into pieces of this size so one line can't eat memory. */
const MAX_LINE = 64 * 1024;

function lineSplitter(stream: Stream, onLine: ProcessOptions['onLine']) {
  let rest = '';
  return {
    push(chunk: string) {
      rest += chunk;
      let i: number;
      while ((i = rest.indexOf('\n')) >= 0) {
        emit(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
      while (rest.length > MAX_LINE) {
        onLine(stream, rest.slice(0, MAX_LINE));
        rest = rest.slice(MAX_LINE);
      }
    },
    flush() {
      if (rest.length > 0) emit(rest);
      rest = '';
    },
  };
  function emit(line: string) {
    onLine(stream, line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}

export function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runProcess(cmd: string, args: string[], opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolvePromise) => {
    let timedOut = false;
    let aborted = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSplitter('stdout', opts.onLine);
    const err = lineSplitter('stderr', opts.onLine);
    child.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => err.push(c));

    const terminate = () => {
      if (child.pid === undefined || done) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), opts.graceMs ?? 2000);
      killTimer.unref?.();
    };
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    const finish = (r: ProcessResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      out.flush();
      err.flush();
      // The group may still hold grandchildren that ignored SIGTERM; don't leave them behind.
      if (child.pid !== undefined && (timedOut || aborted)) killGroup(child.pid, 'SIGKILL');
      resolvePromise(r);
    };

    child.on('error', (e) => finish({ exitCode: null, signal: null, timedOut, aborted, spawnError: e.message }));
    child.on('spawn', () => child.pid !== undefined && opts.onSpawn?.(child.pid));
    // 'close' fires after the pipes drain, so every line has been handed over.
    child.on('close', (code, sig) => finish({ exitCode: code, signal: sig, timedOut, aborted }));

    if (opts.deadline !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        terminate();
      }, Math.max(0, opts.deadline - Date.now()));
    }
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
