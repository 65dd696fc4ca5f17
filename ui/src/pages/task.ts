import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { badge, h, link, section, when } from '../dom.js';
import { provenance } from './common.js';
import { runsOf, runsTable, tasksTable } from './tasks-common.js';
import type { Task } from './workloads.js';

export async function taskPage(ctx: PageContext): Promise<Node> {
  const t = await api<Task>('/v1/api/task/get_by_id', { id: decodeURIComponent(ctx.params[0]!) });
  const runs = await runsOf([t]);
  return h(
    'div',
    {},
    h('p', {}, link(`#/orchestrations/${encodeURIComponent(t.orch_id)}`, '← Orchestration')),
    section(
      `Task ${t.name ?? t.id}`,
      h(
        'dl',
        { class: 'facts', 'data-testid': 'task-facts' },
        h('dt', {}, 'Type'), h('dd', {}, t.type),
        h('dt', {}, 'Status'), h('dd', {}, badge(t.status), t.active ? ' active' : ' inactive'),
        h('dt', {}, 'Schedule'), h('dd', {}, t.schedule ? `${t.schedule} (${t.timezone})` : '—'),
        h('dt', {}, 'Next run'), h('dd', {}, when(t.next_run)),
        h('dt', {}, 'Timeout'), h('dd', {}, t.timeout ? `${t.timeout} s` : '—'),
        h('dt', {}, 'Created'), h('dd', {}, when(t.created_at)),
        h('dt', {}, 'Source'), h('dd', {}, provenance(t.labels)),
      ),
      tasksTable([t], ctx.refresh),
    ),
    section('Task runs', runsTable(runs)),
  );
}
