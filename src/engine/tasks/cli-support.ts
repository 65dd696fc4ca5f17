/**
 * What the `joey tasks …` commands share: opening the tasks of a state directory (without loading the whole
 * engine), finding a task by id or name, and plain-text tables.
 */
import { resolve } from 'node:path';
import { JoeyError } from '../../model/index.js';
import { Store } from '../store/index.js';
import { TaskService, type TaskView } from './service.js';

/** `--state`, else `JOEY_HOME`, else `.joey/` in the current directory. */
export function stateDirFrom(flag: string | undefined): string {
  return resolve(flag ?? process.env.JOEY_HOME ?? '.joey');
}

export async function openTasks(stateDir: string): Promise<TaskService> {
  return new TaskService(await Store.open(stateDir));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Workspace id → name, read from the engine's workspaces (ids are shown when a workspace is unknown). */
export function workspaceNames(svc: TaskService): Map<number, string> {
  const m = new Map<number, string>();
  for (const w of svc.store.list<{ id: number; name: string }>('workspaces')) m.set(w.id, w.name);
  return m;
}

/**
 * A task by id, or by name (`name` or `workspace/name`); names pick the newest task not killed, else the
 * newest killed one.
 */
export function resolveTask(svc: TaskService, ref: string): TaskView {
  if (UUID.test(ref)) return svc.get(ref);
  const [ws, name] = ref.includes('/') ? ref.split('/', 2) : [undefined, ref];
  const names = workspaceNames(svc);
  const matches = svc.list().filter((t) => t.name === name && (ws === undefined || names.get(t.workspace_id) === ws || String(t.workspace_id) === ws));
  const live = matches.filter((t) => !t.killed);
  const pick = live.length > 0 ? live : matches;
  const wsIds = new Set(pick.map((t) => t.workspace_id));
  if (pick.length === 0) throw new JoeyError('not_found', `task ${JSON.stringify(ref)} not found (give its id, name or workspace/name)`, { status: 404 });
  if (wsIds.size > 1) throw new JoeyError('ambiguous', `task name ${JSON.stringify(name)} exists in several workspaces; use workspace/name or the task id`, { status: 400 });
  return pick[0];
}

/** Left-aligned columns separated by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The platform's display format for times, to the second, UTC: `2023-05-22 19:58:32`. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
}
