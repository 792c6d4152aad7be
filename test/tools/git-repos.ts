import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Run git in a folder, as the tests' own hand (not through pie-brain's workflow). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function commitFile(repo: string, file: string, text: string, message: string): void {
  writeFileSync(join(repo, file), text);
  git(repo, 'add', file);
  git(repo, 'commit', '-q', '-m', message);
}

/** A bare remote with one commit on main, a seed clone that pushed it, and a work clone for pie-brain. */
export function createRepos(root: string): { remote: string; seed: string; work: string; clone(name: string): string } {
  const remote = join(root, 'remote.git');
  const clone = (name: string): string => {
    const path = join(root, name);
    git(root, 'clone', '-q', remote, path);
    git(path, 'config', 'user.name', `Test ${name}`);
    git(path, 'config', 'user.email', `${name}@example.com`);
    return path;
  };
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  const seed = clone('seed');
  git(seed, 'checkout', '-q', '-b', 'main');
  commitFile(seed, 'README.md', 'line one\n', 'first');
  git(seed, 'push', '-q', 'origin', 'main');
  return { remote, seed, work: clone('work'), clone };
}
