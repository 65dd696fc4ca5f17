/** The workspace the user is looking at (per tab), and the list of workspaces the token can see. */
import { api } from './api.js';

export interface Workspace {
  id: number;
  name: string;
  archived: boolean;
  created_by: string;
  created_at: string;
  members: { user: string; role: string }[];
  labels: Record<string, string>;
  models: number[];
  pipelines: number[];
}

const WS_KEY = 'joey.workspace';

export async function loadWorkspaces(): Promise<Workspace[]> {
  return (await api<{ workspaces: Workspace[] }>('/v1/api/workspaces/list')).workspaces;
}

export function currentWorkspace(list: Workspace[]): Workspace | undefined {
  const id = Number(sessionStorage.getItem(WS_KEY));
  return list.find((w) => w.id === id) ?? list.find((w) => !w.archived) ?? list[0];
}

export const setWorkspace = (id: number): void => sessionStorage.setItem(WS_KEY, String(id));
