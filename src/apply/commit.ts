import { relative, isAbsolute } from 'node:path';
import { simpleGit } from 'simple-git';

/**
 * The git commit a repo's manifests come from: `HEAD`'s sha, with `-dirty` when the tree has uncommitted changes,
 * `none` outside a git repo. Stamped on every applied object as `joey.dev/commit`. The state directory (`.joey/`
 * by default, inside the repo) does not make the tree dirty.
 */
export async function gitCommit(root: string, stateDir?: string): Promise<string> {
  try {
    const git = simpleGit({ baseDir: root });
    if (!(await git.checkIsRepo())) return 'none';
    const head = (await git.revparse(['HEAD'])).trim();
    const args = ['--', '.'];
    if (stateDir) {
      const rel = relative(root, stateDir);
      if (rel && !rel.startsWith('..') && !isAbsolute(rel)) args.push(`:(exclude)${rel}`);
    }
    const status = await git.status(args);
    return status.isClean() ? head : `${head}-dirty`;
  } catch {
    return 'none';
  }
}
