import { lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Paths } from '../core/config.js';
import type { Clock } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/db.js';
import { checkpoint, pruneFinished } from '../storage/retention.js';
import type { Job } from './scheduler.js';

const DAY = 86_400_000;

/** Remove entries of `dir` last modified before `before`; `keep` protects names (the live log file). */
function removeOlderThan(dir: string, before: number, keep: (name: string) => boolean = () => false): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (keep(name)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < before) {
        rmSync(path, { recursive: true, force: true });
        removed += 1;
      }
    } catch {
      // Gone already or unreadable: nothing to prune.
    }
  }
  return removed;
}

/** The latest change anywhere under `path`, links not followed (a link is its own change, never its target's). */
function newestChange(path: string): number {
  const entry = lstatSync(path);
  if (!entry.isDirectory()) return entry.mtimeMs;
  let newest = entry.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

/** Remove entries of `dir` in which nothing changed since `before`: a folder a brain still works in stays whole. */
function removeUntouchedSince(dir: string, before: number): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (newestChange(path) < before) {
        rmSync(path, { recursive: true, force: true });
        removed += 1;
      }
    } catch {
      // Changed or gone while we looked: left for the next run.
    }
  }
  return removed;
}

/**
 * jobs/retention: prunes old finished tasks (with their trace and delivered replies), old job runs, rotated
 * logs, cloud run folders and what was left in scratch, then checkpoints the WAL. Runs off-peak.
 */
export function createRetentionJob(deps: { db: Db; paths: Paths; config: Config; clock: Clock; logger: Logger }): Job {
  const { retention } = deps.config.jobs;
  return {
    name: 'retention',
    cron: retention.cron,
    async run() {
      const now = deps.clock.now();
      const pruned = pruneFinished(deps.db, now - retention.taskDays * DAY);
      const logsDir = join(deps.paths.home, 'logs');
      const newestLog = readdirSync(logsDir, { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => ({ name: entry.name, mtime: statSync(join(logsDir, entry.name)).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime)[0]?.name;
      const logs = removeOlderThan(logsDir, now - retention.logDays * DAY, (name) => name === newestLog);
      const runs = removeOlderThan(join(deps.paths.home, 'runs'), now - retention.runDays * DAY);
      const scratch = removeUntouchedSince(join(deps.paths.home, 'scratch'), now - retention.scratchDays * DAY);
      const wal = checkpoint(deps.db);
      const summary = `pruned ${pruned.tasks} tasks, ${pruned.events} trace events, ${pruned.outbox} replies, ${pruned.jobRuns} job runs, ${pruned.codeRuns} code runs, ${logs} log files, ${runs} run folders, ${scratch} scratch entries; WAL checkpointed (${wal.checkpointed} pages)`;
      deps.logger.info({ ...pruned, logs, runs, scratch, wal }, 'retention done');
      return summary;
    },
  };
}
