import { CodeRunStore } from '../../storage/code-runs.js';
import type { Db } from '../../storage/db.js';
import { RunCodeTool, type RunCodeToolOptions } from '../../tools/run-code.js';

/** The /run tool on a test database and scratch folder: 5 s, 1 KB of output, 128 MB, at a fixed date. */
export function makeRunCodeTool(db: Db, scratchRoot: string, overrides: Partial<RunCodeToolOptions> = {}): RunCodeTool {
  return new RunCodeTool({
    store: new CodeRunStore(db),
    scratchRoot,
    timeoutSeconds: 5,
    maxOutputBytes: 1024,
    memoryMb: 128,
    python: 'python3',
    now: () => Date.UTC(2026, 10, 24, 12, 0),
    ...overrides,
  });
}
