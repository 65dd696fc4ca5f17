import './style.css';
import { api, ApiError, clearToken, getToken, onUnauthorized, setToken } from './api.js';
import { errorBox, h, link } from './dom.js';
import { currentWorkspace, loadWorkspaces, setWorkspace, type Workspace } from './state.js';
import { workspacesPage } from './pages/workspaces.js';
import { pipelinesPage } from './pages/pipelines.js';
import { pipelinePage } from './pages/pipeline.js';
import { assaysPage } from './pages/assays.js';
import { workloadsPage } from './pages/workloads.js';
import { orchestrationPage } from './pages/orchestration.js';
import { taskPage } from './pages/task.js';
import { activityPage } from './pages/activity.js';

export interface PageContext {
  workspace: Workspace | undefined;
  workspaces: Workspace[];
  params: string[];
  /** Re-render the current page (after an action). */
  refresh(): void;
}
type Page = (ctx: PageContext) => Promise<Node>;

const ROUTES: [RegExp, Page, string][] = [
  [/^\/workspaces$/, workspacesPage, 'workspaces'],
  [/^\/pipelines$/, pipelinesPage, 'pipelines'],
  [/^\/pipelines\/(\d+)$/, pipelinePage, 'pipelines'],
  [/^\/assays$/, assaysPage, 'assays'],
  [/^\/workloads$/, workloadsPage, 'workloads'],
  [/^\/orchestrations\/([^/]+)$/, orchestrationPage, 'workloads'],
  [/^\/tasks\/([^/]+)$/, taskPage, 'workloads'],
  [/^\/activity$/, activityPage, 'activity'],
];

const app = document.getElementById('app')!;

// `joey ui` prints a link with the session's token in the fragment: keep it for this tab, then drop it from the URL.
const m = /^#token=([^&]+)/.exec(location.hash);
if (m) {
  setToken(decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}#/workspaces`);
}

onUnauthorized(() => {
  clearToken();
  renderLogin('The token was refused (401). Log in again.');
});

function renderLogin(message?: string): void {
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off', placeholder: 'joey_…', required: true });
  const err = h('div', { class: 'error', role: 'alert', hidden: !message }, message ?? '');
  const form = h(
    'form',
    {
      class: 'login card',
      'data-testid': 'login',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        setToken((input as HTMLInputElement).value.trim());
        try {
          await api('/v1/api/workspaces/list');
          if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = '#/workspaces';
          void render();
        } catch (x) {
          clearToken();
          err.hidden = false;
          err.textContent = x instanceof ApiError && x.status === 401 ? 'That token was refused (401).' : (x as Error).message;
        }
      },
    },
    h('h1', {}, 'joey'),
    h('p', {}, 'Paste an API token (', h('code', {}, 'joey server token create --user YOU'), ', or the link ', h('code', {}, 'joey ui'), ' prints).'),
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    err,
    h('button', { type: 'submit' }, 'Log in'),
  );
  app.replaceChildren(form);
}

function nav(active: string, ctx: PageContext): HTMLElement {
  const item = (id: string, href: string, text: string) => link(href, text, { class: id === active ? 'active' : '', 'data-nav': id });
  const select = h(
    'select',
    {
      'aria-label': 'workspace',
      'data-testid': 'workspace-select',
      onchange: (e: Event) => {
        setWorkspace(Number((e.target as HTMLSelectElement).value));
        void render();
      },
    },
    ctx.workspaces.map((w) => h('option', { value: w.id, selected: w.id === ctx.workspace?.id }, w.name)),
  );
  return h(
    'header',
    {},
    h('a', { class: 'brand', href: '#/workspaces' }, 'joey'),
    h('nav', {}, item('workspaces', '#/workspaces', 'Workspaces'), item('pipelines', '#/pipelines', 'Pipelines'), item('assays', '#/assays', 'Assays'), item('workloads', '#/workloads', 'Workloads'), item('activity', '#/activity', 'Activity')),
    h('div', { class: 'spacer' }),
    ctx.workspaces.length ? h('label', { class: 'ws' }, 'Workspace ', select) : null,
    h('button', { class: 'link', onclick: () => (clearToken(), renderLogin()) }, 'Log out'),
  );
}

let generation = 0;
async function render(): Promise<void> {
  if (!getToken()) return renderLogin();
  const gen = ++generation;
  const path = location.hash.replace(/^#/, '') || '/workspaces';
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    location.hash = '#/workspaces';
    return;
  }
  let workspaces: Workspace[];
  try {
    workspaces = await loadWorkspaces();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    app.replaceChildren(errorBox(e));
    return;
  }
  const ctx: PageContext = { workspaces, workspace: currentWorkspace(workspaces), params: route[0].exec(path)!.slice(1), refresh: () => void render() };
  const main = h('main', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
  app.replaceChildren(nav(route[2], ctx), main);
  try {
    const content = await route[1](ctx);
    if (gen !== generation) return;
    main.replaceChildren(content);
  } catch (e) {
    if (gen !== generation) return;
    if (e instanceof ApiError && e.status === 401) return;
    main.replaceChildren(errorBox(e));
  }
  main.setAttribute('aria-busy', 'false');
}

window.addEventListener('hashchange', () => void render());
void render();
