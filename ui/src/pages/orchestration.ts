import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { badge, h, section, when } from '../dom.js';
import { needWorkspace, provenance } from './common.js';
import { runsOf, runsTable, tasksTable } from './tasks-common.js';
import { allTasks, workloadStatus, type Orchestration } from './workloads.js';

export async function orchestrationPage(ctx: PageContext): Promise<Node> {
  if (!ctx.workspace) return needWorkspace();
  const id = decodeURIComponent(ctx.params[0]!);
  const [orchs, all] = await Promise.all([api<Orchestration[]>('/v1/api/orchestration/list', { workspace_id: ctx.workspace.id }), allTasks(ctx.workspace.id)]);
  const o = orchs.find((x) => x.id === id);
  if (!o) return h('p', { class: 'error' }, `No workload orchestration ${id} in workspace ${ctx.workspace.name}.`);
  const tasks = all.filter((t) => t.orch_id === o.id);
  const runs = await runsOf(tasks);
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: '#/workloads' }, '← Workloads')),
    section(
      `Orchestration ${o.name}`,
      h(
        'dl',
        { class: 'facts', 'data-testid': 'orchestration' },
        h('dt', {}, 'Orchestration Name'), h('dd', {}, o.name),
        h('dt', {}, 'Orchestration ID'), h('dd', {}, h('code', {}, o.id)),
        h('dt', {}, 'Status'), h('dd', {}, badge(workloadStatus(o, all)), ' ', badge(o.status), o.error ? h('span', { class: 'error inline' }, o.error) : ''),
        h('dt', {}, 'Created'), h('dd', {}, when(o.created_at)),
        h('dt', {}, 'File'), h('dd', {}, o.file_name),
        h('dt', {}, 'File Hash'), h('dd', {}, h('code', {}, o.sha)),
        h('dt', {}, 'Source'), h('dd', {}, provenance(o.labels)),
      ),
    ),
    section('Tasks', tasksTable(tasks, ctx.refresh)),
    section('Task runs', runsTable(runs)),
  );
}
