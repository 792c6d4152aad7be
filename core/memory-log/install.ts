import { join } from 'node:path';
import type { Runtime } from '../runtime.js';
import { MemoryLog } from './memory-log.js';
import { recordActivity } from './record-activity.js';

/**
 * The memory event log of a runtime, fed from its event bus from now on. Only tasks of allowed users and
 * pie-brain's own alerts reach it: a stranger's refused message leaves nothing behind.
 */
export function installMemoryLog(
  runtime: Pick<Runtime, 'db' | 'clock' | 'bus' | 'queue' | 'outbox'>,
  options: { home: string; secrets?: readonly string[] },
): MemoryLog {
  const log = new MemoryLog({
    db: runtime.db,
    clock: runtime.clock,
    vectorsDir: join(options.home, 'vectors'),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  recordActivity({ bus: runtime.bus, log, queue: runtime.queue, outbox: runtime.outbox });
  return log;
}
