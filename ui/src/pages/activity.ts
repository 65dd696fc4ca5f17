import type { PageContext } from '../main.js';
import { api } from '../api.js';
import { badge, h, section, short, table, when } from '../dom.js';

interface Activity {
  sync: { repo: string; branch: string; target: string; lastAppliedCommit?: string; lastAttemptedCommit?: string; lastSyncTime?: string; lastError?: string; driftObjects: number; conditions: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[] } | null;
  lock: { ID?: string; Operation?: string; Who?: string; Created?: string; Pid?: number } | null;
  commits: { commit: string; objects: number; last: string }[];
  objects: { kind: string; workspace: string | null; name: string; source: string | null; commit: string | null; spec_hash: string | null; updated_at: string }[];
}

export async function activityPage(_ctx: PageContext): Promise<Node> {
  const a = await api<Activity>('/v1/api/ui/activity');
  return h(
    'div',
    { 'data-testid': 'activity' },
    section(
      'Git sync',
      a.sync
        ? [
            h('p', {}, `${a.sync.repo} @ ${a.sync.branch} → ${a.sync.target}; last applied `, h('code', {}, short(a.sync.lastAppliedCommit, 10)), ` at ${when(a.sync.lastSyncTime)}; ${a.sync.driftObjects} drifted objects`),
            a.sync.lastError ? h('p', { class: 'error' }, a.sync.lastError) : null,
            table(a.sync.conditions, [
              { title: 'Condition', cell: (c) => c.type },
              { title: 'Status', cell: (c) => badge(c.status === 'True' ? (c.type === 'Stalled' ? 'error' : 'ok') : 'muted', c.status) },
              { title: 'Reason', cell: (c) => c.reason },
              { title: 'Message', cell: (c) => c.message },
              { title: 'Since', cell: (c) => when(c.lastTransitionTime) },
            ]),
          ]
        : h('p', { class: 'empty' }, 'No sync controller status for this state (', h('code', {}, 'joey controller'), ' writes one).'),
    ),
    section('Apply lock', a.lock ? h('p', {}, badge('warning', 'held'), ` ${a.lock.Operation ?? ''} by ${a.lock.Who ?? '?'} (pid ${a.lock.Pid ?? '?'}) since ${when(a.lock.Created)}`) : h('p', { class: 'muted' }, 'Free: no plan/apply is running.')),
    section(
      'Applied commits',
      table(a.commits, [
        { title: 'Commit', cell: (c) => h('code', { title: c.commit }, short(c.commit, 12)) },
        { title: 'Objects at this commit', cell: (c) => c.objects, className: 'num' },
        { title: 'Last change', cell: (c) => when(c.last) },
      ], { testid: 'commits', empty: 'Nothing here was applied by joey.' }),
    ),
    section(
      'Objects joey applied (newest change first)',
      table(a.objects, [
        { title: 'Kind', cell: (o) => o.kind },
        { title: 'Object', cell: (o) => (o.workspace ? `${o.workspace}/${o.name}` : o.name) },
        { title: 'Manifest', cell: (o) => (o.source ? h('code', {}, o.source) : '—') },
        { title: 'Commit', cell: (o) => (o.commit ? h('code', { title: o.commit }, short(o.commit, 10)) : '—') },
        { title: 'Spec hash', cell: (o) => (o.spec_hash ? h('code', {}, short(o.spec_hash, 10)) : '—') },
        { title: 'Updated', cell: (o) => when(o.updated_at) },
      ], { testid: 'applied', empty: 'Nothing here was applied by joey.' }),
    ),
  );
}
