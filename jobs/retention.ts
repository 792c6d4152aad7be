import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Paths } from '../core/config.js';
import type { Clock } from '../core/lib/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/db.js';
import { MemoryEventStore } from '../storage/memory-events.js';
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

/**
 * jobs/retention: prunes old finished tasks (with their trace and delivered replies), old job runs, old memory
 * events, rotated logs and cloud run folders, then checkpoints the WAL. Runs off-peak.
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
      // The memory event log is append-only: this is the one place its entries are ever removed.
      const memoryEvents = new MemoryEventStore(deps.db).prune(now - retention.memoryDays * DAY);
      const wal = checkpoint(deps.db);
      const summary = `pruned ${pruned.tasks} tasks, ${pruned.events} trace events, ${pruned.outbox} replies, ${pruned.jobRuns} job runs, ${pruned.codeRuns} code runs, ${memoryEvents} memory events, ${logs} log files, ${runs} run folders; WAL checkpointed (${wal.checkpointed} pages)`;
      deps.logger.info({ ...pruned, memoryEvents, logs, runs, wal }, 'retention done');
      return summary;
    },
  };
}
