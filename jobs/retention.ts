import { lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Paths } from '../core/config.js';
import type { Clock } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/db.js';
import { MemoryEventStore } from '../storage/memory-events.js';
import { checkpoint, pruneFinished } from '../storage/retention.js';
import type { Job } from './scheduler.js';

const DAY = 86_400_000;

/** Remove the entries of `dir` for which `stale` holds; returns how many. Unreadable or vanished ones are left. */
function removeStale(dir: string, stale: (path: string, name: string) => boolean): number {
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
      if (stale(path, name)) {
        rmSync(path, { recursive: true, force: true });
        removed += 1;
      }
    } catch {
      // Gone already, unreadable, or changed while we looked: left for the next run.
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

/**
 * jobs/retention: prunes old finished tasks (with their trace and delivered replies), old job runs, old memory
 * events, rotated logs, cloud run folders and what was left in scratch, then checkpoints the WAL. Runs off-peak.
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
      // The newest log is the live one; a folder in scratch that a brain still works in stays whole.
      const logs = removeStale(logsDir, (path, name) => name !== newestLog && statSync(path).mtimeMs < now - retention.logDays * DAY);
      const runs = removeStale(join(deps.paths.home, 'runs'), (path) => statSync(path).mtimeMs < now - retention.runDays * DAY);
      const scratch = removeStale(join(deps.paths.home, 'scratch'), (path) => newestChange(path) < now - retention.scratchDays * DAY);
      // The memory event log is append-only: this is the one place its entries are ever removed.
      const memoryEvents = new MemoryEventStore(deps.db).prune(now - retention.memoryDays * DAY);
      const wal = checkpoint(deps.db);
      const summary = `pruned ${pruned.tasks} tasks, ${pruned.events} trace events, ${pruned.outbox} replies, ${pruned.jobRuns} job runs, ${pruned.codeRuns} code runs, ${memoryEvents} memory events, ${logs} log files, ${runs} run folders, ${scratch} scratch entries; WAL checkpointed (${wal.checkpointed} pages)`;
      deps.logger.info({ ...pruned, memoryEvents, logs, runs, scratch, wal }, 'retention done');
      return summary;
    },
  };
}
