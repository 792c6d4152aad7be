import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Process tests run the compiled program exactly as a user does (node dist/main.js): build it once.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
