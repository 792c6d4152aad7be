import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SKIP = /(^base\.|^index\.|\.test\.|\.d\.ts$|\.map$)/;

/**
 * Import every module of a folder (compiled .js, or .ts when run from source under vitest) and return
 * their default exports. This is how "adding a tool or a brain is adding one file" works.
 */
export async function loadFolderModules<T>(dir: string): Promise<Array<{ file: string; value: T }>> {
  const files = readdirSync(dir)
    .filter((file) => /\.(js|ts)$/.test(file) && !SKIP.test(file))
    .sort();
  const loaded: Array<{ file: string; value: T }> = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: T };
    if (module.default !== undefined) loaded.push({ file, value: module.default });
  }
  return loaded;
}
