import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The compiled .js of a script that runs as its own process (a brain's runner, a run's capture): next to the
 * module that asks when that module runs from dist/, or in dist/ when it runs from source (tests). Undefined
 * when it is not built.
 */
export function findCompiledScript(moduleUrl: string, name: string): string | undefined {
  const here = dirname(fileURLToPath(moduleUrl));
  const beside = join(here, name);
  const inDist = join(ROOT, 'dist', relative(ROOT, here), name);
  return [beside, inDist].find((file) => existsSync(file));
}
