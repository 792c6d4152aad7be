import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// From dist/bench/ once built, from bench/ when run from source.
const UNIT = ['../../deploy/pie-brain.service', '../deploy/pie-brain.service']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path));

/** The Node flags deploy/pie-brain.service starts pie-brain with: benches measure what the Pi runs. */
export function nodeFlagsOfUnit(unitFile = UNIT ?? 'deploy/pie-brain.service'): string[] {
  const execStart = readFileSync(unitFile, 'utf8')
    .split('\n')
    .find((line) => line.startsWith('ExecStart='));
  const words = execStart?.slice('ExecStart='.length).trim().split(/\s+/) ?? [];
  return words.slice(1).filter((word) => word.startsWith('--'));
}

/** The allocator settings deploy/pie-brain.service starts pie-brain with (its `Environment=MALLOC_…` lines). */
export function mallocEnvOfUnit(unitFile = UNIT ?? 'deploy/pie-brain.service'): Record<string, string> {
  const entries = readFileSync(unitFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('Environment=MALLOC_'))
    .map((line) => line.slice('Environment='.length).split('=') as [string, string]);
  return Object.fromEntries(entries);
}
