import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { badge, h, link, section, short, table, when } from '../dom.js';
import { needWorkspace, provenance } from './common.js';

export interface Orchestration {
  id: string;
  name: string;
  workspace_id: number;
  sha: string;
  file_name: string;
  status: 'packaging' | 'ready' | 'error';
  error: string | null;
  created_at: string;
  updated_at: string;
  labels: Record<string, string>;
}

export interface Task {
  id: string;
  name: string | null;
  workspace_id: number;
  orch_id: string;
  run: 'once' | 'scheduled' | 'continuous';
  type: string;
  schedule: string | null;
  timezone: string;
  timeout: number | null;
  status: string;
  killed: boolean;
  active: boolean;
  next_run: string | null;
  last_run_status: string;
  last_runs: { run_id: string; status: string; created_at: string }[];
  created_at: string;
  updated_at: string;
  labels: Record<string, string>;
}

/** The dashboard's workload status: Error (rejected upload), Active (a task scheduled or running), else Inactive. */
export type WorkloadStatus = 'Active' | 'Inactive' | 'Error';
export const workloadStatus = (o: Orchestration, tasks: Task[]): WorkloadStatus =>
  o.status === 'error' ? 'Error' : tasks.some((t) => t.orch_id === o.id && t.active) ? 'Active' : 'Inactive';

/** Every task of a workspace, killed or not. */
export async function allTasks(workspaceId: number): Promise<Task[]> {
  const [live, killed] = await Promise.all([
    api<Task[]>('/v1/api/task/list', { workspace_id: workspaceId }),
    api<Task[]>('/v1/api/task/list', { workspace_id: workspaceId, killed: true }),
  ]);
  const byId = new Map([...live, ...killed].map((t) => [t.id, t]));
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** Run Once / Run Scheduled / Continuous, as the seeds' dashboard marks them. */
export const KIND_LABEL: Record<Task['run'], string> = { once: '⚡ Run Once', scheduled: '↻ Run Scheduled', continuous: '∞ Continuous' };

const FILTERS = ['All', 'Only Active', 'Only Inactive', 'Only Error'] as const;
const Q_KEY = 'joey.workloads.q';
const F_KEY = 'joey.workloads.filter';

export async function workloadsPage(ctx: PageContext): Promise<Node> {
  if (!ctx.workspace) return needWorkspace();
  const [orchs, tasks] = await Promise.all([api<Orchestration[]>('/v1/api/orchestration/list', { workspace_id: ctx.workspace.id }), allTasks(ctx.workspace.id)]);
  const rows = orchs.map((o) => ({ o, status: workloadStatus(o, tasks), tasks: tasks.filter((t) => t.orch_id === o.id).length })).sort((a, b) => b.o.created_at.localeCompare(a.o.created_at));

  const search = h('input', { type: 'search', placeholder: 'Search by workload name', 'aria-label': 'search workloads', 'data-testid': 'workload-search', value: sessionStorage.getItem(Q_KEY) ?? '' }) as HTMLInputElement;
  const filter = h('select', { 'aria-label': 'status filter', 'data-testid': 'workload-filter' }, FILTERS.map((f) => h('option', { value: f, selected: f === (sessionStorage.getItem(F_KEY) ?? 'All') }, f))) as HTMLSelectElement;
  const list = h('div', {});
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const f = filter.value;
    sessionStorage.setItem(Q_KEY, search.value);
    sessionStorage.setItem(F_KEY, f);
    const shown = rows.filter((r) => (!q || r.o.name.toLowerCase().includes(q)) && (f === 'All' || f === `Only ${r.status}`));
    list.replaceChildren(
      table(
        shown,
        [
          { title: 'Workload', cell: (r) => link(`#/orchestrations/${encodeURIComponent(r.o.id)}`, r.o.name) },
          { title: 'Status', cell: (r) => badge(r.status) },
          { title: 'Tasks', cell: (r) => r.tasks, className: 'num' },
          { title: 'Created At', cell: (r) => when(r.o.created_at) },
          { title: 'ID', cell: (r) => h('code', {}, r.o.id) },
          { title: 'File hash', cell: (r) => h('code', { title: r.o.sha }, short(r.o.sha, 12)) },
          { title: 'Source / commit', cell: (r) => provenance(r.o.labels) },
        ],
        { testid: 'workloads', rowTestid: (r) => `workload-${r.o.name}`, empty: rows.length ? 'No workload matches.' : 'No workload orchestrations uploaded to this workspace.' },
      ),
    );
  };
  search.addEventListener('input', draw);
  filter.addEventListener('change', draw);
  draw();
  return section(`Workloads in ${ctx.workspace.name}`, h('div', { class: 'toolbar' }, search, filter), list);
}
