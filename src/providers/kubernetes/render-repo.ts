import { simpleGit } from 'simple-git';
import { JoeyError } from '../../model/index.js';
import { loadRepo } from '../../manifest/index.js';
import { renderKubernetes, type RenderOptions, type RenderResult } from './render.js';
import { exportArtifacts, type ExportedArtifact } from './artifacts.js';

export interface RenderRepoOptions extends RenderOptions {
  /** Environment overlay (`environments/<env>/`). */
  env?: string;
  /** Also copy the artifacts, content-addressed, into this directory (to sync onto the artifacts volume). */
  artifactsOut?: string;
}

/**
 * Options from Argo CD's Config Management Plugin environment: `ARGOCD_APP_NAME` → instance,
 * `ARGOCD_APP_NAMESPACE` → namespace, `ARGOCD_APP_REVISION` → commit, and the Application's plugin env
 * (`spec.source.plugin.env`, which Argo CD hands over prefixed `ARGOCD_ENV_`): `JOEY_ENV`, `JOEY_IMAGE`,
 * `JOEY_NAMESPACE`, `JOEY_INSTANCE`, `JOEY_ARTIFACTS_CLAIM`. The plugin env wins over the build env.
 */
export function argocdOptions(env: NodeJS.ProcessEnv = process.env): RenderRepoOptions {
  const o: RenderRepoOptions = {};
  const set = <K extends keyof RenderRepoOptions>(k: K, v: string | undefined) => {
    if (v) o[k] = v as RenderRepoOptions[K];
  };
  set('instance', env.ARGOCD_APP_NAME);
  set('namespace', env.ARGOCD_APP_NAMESPACE);
  set('commit', env.ARGOCD_APP_REVISION);
  set('env', env.ARGOCD_ENV_JOEY_ENV);
  set('image', env.ARGOCD_ENV_JOEY_IMAGE);
  set('namespace', env.ARGOCD_ENV_JOEY_NAMESPACE);
  set('instance', env.ARGOCD_ENV_JOEY_INSTANCE);
  set('artifactsClaim', env.ARGOCD_ENV_JOEY_ARTIFACTS_CLAIM);
  return o;
}

/** HEAD of the git repo holding `root`, or undefined when it is not in one. */
export async function headCommit(root: string): Promise<string | undefined> {
  try {
    const git = simpleGit(root);
    if (!(await git.checkIsRepo())) return undefined;
    return (await git.revparse(['HEAD'])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Load the repo (refusing it with every diagnostic when it has errors) and render it. */
export async function renderRepo(root: string, opts: RenderRepoOptions = {}): Promise<RenderResult & { commit?: string; artifacts?: ExportedArtifact[] }> {
  const loaded = await loadRepo(root, { env: opts.env });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new JoeyError('invalid_manifests', `${root}: ${errors.length} error(s) in the manifests; nothing rendered`, { diagnostics: errors });
  }
  const commit = opts.commit ?? (await headCommit(loaded.root));
  const result = renderKubernetes(loaded.resources, { ...opts, commit });
  const artifacts = opts.artifactsOut ? exportArtifacts(loaded.root, loaded.resources, opts.artifactsOut) : undefined;
  for (const d of loaded.diagnostics) if (d.severity === 'warning') result.warnings.unshift(`${d.file}:${d.line}:${d.col}: warning: ${d.message}`);
  return { ...result, commit, artifacts };
}
