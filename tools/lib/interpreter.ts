import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { findOnPath, isExecutable } from '../../core/lib/find-on-path.js';

export interface Interpreter {
  /** The real program, not a shim (pyenv's shims are shell scripts that need the home they live in). */
  executable: string;
  /** Where its standard library lives, for a sandbox to bind read-only. */
  prefixes: string[];
}

const ASK_PYTHON = 'import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, sys.exec_prefix]))';
const known = new Map<string, Promise<Interpreter | undefined>>();

function askPython(path: string): Promise<Interpreter | undefined> {
  return new Promise((resolve) => {
    execFile(path, ['-I', '-c', ASK_PYTHON], { timeout: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const [executable, ...prefixes] = JSON.parse(String(stdout)) as string[];
        resolve(executable ? { executable, prefixes: [...new Set(prefixes)] } : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** The configured Python (a name on PATH or a path), asked once where it really is; undefined when it is missing. */
export function resolvePython(python: string): Promise<Interpreter | undefined> {
  let found = known.get(python);
  if (!found) {
    const path = isAbsolute(python) ? (isExecutable(python) ? python : undefined) : findOnPath(python);
    found = path ? askPython(path) : Promise.resolve(undefined);
    known.set(python, found);
    // Only an answer is kept: a Python installed later is found on the next run.
    void found.then((interpreter) => interpreter ?? known.delete(python));
  }
  return found;
}

/** The Node running pie-brain, which also runs JavaScript snippets. */
export function currentNode(): Interpreter {
  const executable = realpathSync(process.execPath);
  return { executable, prefixes: [dirname(dirname(executable))] };
}
