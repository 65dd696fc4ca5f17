import { api, ApiError } from '../api.js';
import { badge, h, link, runStatusLabel, table, when } from '../dom.js';
import { KIND_LABEL, type Task } from './workloads.js';

export interface TaskRun {
  run_id: string;
  task: string;
  pod_id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  scheduled_for: string | null;
  reason: string | null;
}

const taskName = (t: Task) => t.name ?? t.id.slice(0, 8);

/** Tasks with their Stop and Run now actions (both go through the API with the user's token). */
export function tasksTable(tasks: Task[], refresh: () => void): HTMLElement {
  const act = (label: string, fn: () => Promise<unknown>, confirmText?: string, testid?: string) =>
    h('button', {
      class: 'small',
      'data-testid': testid,
      onclick: async (e: Event) => {
        const b = e.currentTarget as HTMLButtonElement;
        if (confirmText && !window.confirm(confirmText)) return;
        b.disabled = true;
        try {
          await fn();
          refresh();
        } catch (x) {
          b.disabled = false;
          b.after(h('span', { class: 'error inline', role: 'alert' }, x instanceof ApiError ? `${x.status}: ${x.message}` : String(x)));
        }
      },
    }, label);
  return table(
    tasks,
    [
      { title: 'Type', cell: (t) => KIND_LABEL[t.run] ?? t.type },
      { title: 'Task', cell: (t) => link(`#/tasks/${encodeURIComponent(t.id)}`, taskName(t)) },
      { title: 'Task ID', cell: (t) => h('code', {}, t.id) },
      { title: 'Status', cell: (t) => badge(t.status) },
      { title: 'Last run', cell: (t) => (t.last_runs[0] ? [badge(t.last_run_status, runStatusLabel(t.last_run_status)), ' ', when(t.last_runs[0].created_at)] : badge('unknown')) },
      { title: 'Next run', cell: (t) => (t.run === 'scheduled' && t.active ? [when(t.next_run), h('div', { class: 'muted' }, `${t.schedule} (${t.timezone})`)] : t.run === 'continuous' && t.active ? 'restarts when it ends' : '—') },
      {
        title: 'Actions',
        cell: (t) =>
          t.killed || t.status === 'pending_kill'
            ? h('span', { class: 'muted' }, t.killed ? 'stopped' : 'stopping')
            : [
                t.active ? act('Stop', () => api('/v1/api/task/kill', { id: t.id }), `Stop task ${taskName(t)}? No further runs will start.`, `kill-${taskName(t)}`) : null,
                ' ',
                act('Run now', () => api('/v1/api/ui/task/run_now', { id: t.id }), undefined, `run-now-${taskName(t)}`),
              ],
      },
    ],
    { testid: 'tasks', rowTestid: (t) => `task-${taskName(t)}`, empty: 'No tasks from this workload yet.' },
  );
}

/** Task runs with a Logs button that shows the run's log lines. */
export function runsTable(runs: { run: TaskRun; task: Task }[]): HTMLElement {
  const logsBox = h('div', { class: 'logs' });
  const show = async (r: TaskRun, t: Task) => {
    logsBox.replaceChildren(h('p', { class: 'loading' }, 'Loading logs…'));
    try {
      const { logs } = await api<{ logs: string[] }>('/v1/api/task/get_logs_for_run', { id: r.run_id, limit: 500 });
      logsBox.replaceChildren(h('h3', {}, `Logs of run ${r.run_id} (${taskName(t)})`), h('pre', { 'data-testid': 'run-logs' }, logs.length ? logs.join('\n') : '(no output)'));
    } catch (e) {
      logsBox.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    }
  };
  return h(
    'div',
    {},
    table(
      runs,
      [
        { title: 'Task run', cell: ({ task }) => `${KIND_LABEL[task.run]?.split(' ')[0] ?? ''} ${taskName(task)}` },
        { title: 'Task ID', cell: ({ task }) => h('code', {}, task.id) },
        { title: 'Run ID', cell: ({ run }) => h('code', {}, run.run_id) },
        { title: 'Status', cell: ({ run }) => [badge(run.status, runStatusLabel(run.status)), run.reason ? h('div', { class: 'muted' }, run.reason) : null] },
        { title: 'Run at', cell: ({ run }) => when(run.started_at ?? run.scheduled_for ?? run.created_at) },
        { title: 'Ended', cell: ({ run }) => when(run.ended_at) },
        { title: 'Logs', cell: ({ run, task }) => h('button', { class: 'small', 'data-testid': `logs-${run.run_id}`, onclick: () => void show(run, task) }, 'Logs') },
      ],
      { testid: 'runs', rowTestid: ({ run }) => `run-${run.status}`, empty: 'No task runs yet.' },
    ),
    logsBox,
  );
}

export async function runsOf(tasks: Task[]): Promise<{ run: TaskRun; task: Task }[]> {
  const lists = await Promise.all(tasks.map(async (task) => (await api<TaskRun[]>('/v1/api/task/list_task_runs', { task_id: task.id, limit: 50 })).map((run) => ({ run, task }))));
  return lists.flat().sort((a, b) => b.run.created_at.localeCompare(a.run.created_at));
}
