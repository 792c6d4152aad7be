import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config, Paths } from '../config.js';
import { PieBrainError } from '../errors.js';

/** Where a run works: a configured repository (git workflow around it), the configured workdir, or scratch. */
export interface RunTarget {
  cwd: string;
  /** The configured repository's name (config git.repos), when the run works in one. */
  repo?: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The configured repository a request names as a whole word, if any (longest names first: "web-app" before "web"). */
export function findNamedRepo(text: string, repos: Config['git']['repos']): Config['git']['repos'][number] | undefined {
  return [...repos]
    .sort((a, b) => b.name.length - a.name.length)
    .find((repo) => new RegExp(`(^|[^\\w-])${escapeRegExp(repo.name)}($|[^\\w-])`, 'i').test(text));
}

/** A repository the request names, else config brains.workdir, else $PIE_BRAIN_HOME/scratch. */
export function resolveRunTarget(request: { prompt: string; repo?: string | undefined }, config: Config, paths: Paths): RunTarget {
  const repos = config.git.repos;
  if (request.repo) {
    const named = repos.find((repo) => repo.name === request.repo);
    if (!named) {
      throw new PieBrainError('VALIDATION', `no configured repository named ${request.repo}`, {
        userMessage: `There is no configured repository named ${request.repo} (config git.repos).`,
      });
    }
    return { cwd: resolve(named.path), repo: named.name };
  }
  const named = findNamedRepo(request.prompt, repos);
  if (named) return { cwd: resolve(named.path), repo: named.name };
  if (config.brains.workdir) {
    const cwd = resolve(config.brains.workdir);
    const repo = repos.find((candidate) => resolve(candidate.path) === cwd);
    return repo ? { cwd, repo: repo.name } : { cwd };
  }
  const scratch = join(paths.home, 'scratch');
  mkdirSync(scratch, { recursive: true });
  return { cwd: scratch };
}
