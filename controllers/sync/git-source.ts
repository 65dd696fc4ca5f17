import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { JoeyError } from '../../src/model/index.js';

/**
 * The controller's own checkout of the watched branch (never the user's working tree): cloned once, then
 * fetched and checked out detached at the branch tip on every sync, so local edits can never linger.
 */
export class GitSource {
  readonly dir: string;
  private git?: SimpleGit;

  constructor(
    /** A URL or a local path (a path is cloned like any remote). */
    readonly repo: string,
    readonly branch: string,
    checkoutDir: string,
  ) {
    this.dir = resolve(checkoutDir);
  }

  private get url(): string {
    return existsSync(this.repo) ? resolve(this.repo) : this.repo;
  }

  /** Fetch the branch and check out its tip; returns the commit sha. */
  async update(): Promise<string> {
    try {
      if (!this.git) {
        if (!existsSync(resolve(this.dir, '.git'))) {
          mkdirSync(this.dir, { recursive: true });
          await simpleGit().clone(this.url, this.dir, ['--quiet', '--no-checkout', '--branch', this.branch, '--single-branch']);
        }
        this.git = simpleGit({ baseDir: this.dir });
      }
      await this.git.fetch(['--quiet', '--force', 'origin', `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`]);
      await this.git.checkout(['--quiet', '--force', '--detach', `origin/${this.branch}`]);
      await this.git.clean('f', ['-d', '-x', '-q']);
      return (await this.git.revparse(['HEAD'])).trim();
    } catch (e) {
      // simple-git messages carry git's stderr; URLs with credentials are masked.
      const msg = (e as Error).message.replace(/\/\/[^/@\s]+@/g, '//***@');
      throw new JoeyError('git', `cannot fetch ${this.branch} from ${this.repo.replace(/\/\/[^/@\s]+@/g, '//***@')}: ${msg.trim()}`, { cause: e });
    }
  }

  /** One line: the commit's subject (for status messages). */
  async subject(commit: string): Promise<string> {
    return (await simpleGit({ baseDir: this.dir }).raw(['log', '-1', '--format=%s', commit])).trim();
  }
}
