// npm run bench: every benchmark in bench/, one after the other, each in its own process.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((file) => file.endsWith('.js') && !['run-all.js', 'report.js'].includes(file))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.js$/, '')))
  .sort();
let failed = 0;
for (const script of scripts) {
  const result = spawnSync(process.execPath, [join(here, script)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    process.stderr.write(`bench ${script} failed with exit code ${result.status}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
