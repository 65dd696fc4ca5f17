import type { PageContext } from '../main.js';
import { badge, h, section, table, when } from '../dom.js';
import { setWorkspace } from '../state.js';
import { provenance, userLabels } from './common.js';

export async function workspacesPage(ctx: PageContext): Promise<Node> {
  const open = (id: number, to: string) => (e: Event) => {
    e.preventDefault();
    setWorkspace(id);
    location.hash = to;
  };
  return section(
    'Workspaces',
    table(
      ctx.workspaces,
      [
        { title: 'Name', cell: (w) => h('a', { href: '#/pipelines', onclick: open(w.id, '#/pipelines') }, w.name) },
        { title: 'ID', cell: (w) => w.id },
        { title: 'Status', cell: (w) => (w.archived ? badge('inactive', 'archived') : badge('active')) },
        { title: 'Members', cell: (w) => w.members.map((m) => h('span', { class: 'chip' }, `${m.user} (${m.role})`)) },
        { title: 'Pipelines', cell: (w) => w.pipelines.length, className: 'num' },
        { title: 'Models', cell: (w) => w.models.length, className: 'num' },
        { title: 'Workloads', cell: (w) => h('a', { href: '#/workloads', onclick: open(w.id, '#/workloads') }, 'view') },
        { title: 'Labels', cell: (w) => userLabels(w.labels) },
        { title: 'From', cell: (w) => provenance(w.labels) },
        { title: 'Created', cell: (w) => when(w.created_at) },
      ],
      { testid: 'workspaces', rowTestid: (w) => `workspace-${w.name}`, empty: 'No workspaces yet: `joey apply` a repo that declares one.' },
    ),
  );
}
