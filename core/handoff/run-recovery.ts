import { existsSync } from 'node:fs';
import type { BrainRunRecord, BrainRunStore } from '../../storage/brain-runs.js';
import { findRunProcess, readBootId } from './process-group.js';
import { runFiles } from './run-files.js';

/**
 * A run whose row still says `starting`: pie-brain stopped between recording it and writing down its pid. Its
 * capture process is looked for by its run folder. Found, the row gets the pid and start time and the run is
 * watched like any other (never started a second time); gone but it left output, it ran and ended, and its
 * files say how and what it cost. Undefined: it never started.
 */
export function recoverStartingRun(run: BrainRunRecord, store: BrainRunStore): BrainRunRecord | undefined {
  if (run.status !== 'starting') return run;
  const boot = readBootId();
  const sameBoot = !run.bootId || !boot || run.bootId === boot;
  const found = sameBoot ? findRunProcess(run.runDir) : undefined;
  if (found) store.markRunning(run.id, found.pid, boot, found.procStart);
  else if (run.runDir && existsSync(runFiles(run.runDir).stdout)) store.markRunning(run.id, null, run.bootId, null);
  else return undefined;
  return store.get(run.id);
}
