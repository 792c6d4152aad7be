// How fast a run's stream-json output is followed and parsed (lines/s), a 21 MB Claude Code stream in one go.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClaudeCode from '../brains/claude-code.js';
import { parseConfig } from '../core/config.js';
import { RunFollower } from '../core/handoff/run-follower.js';
import { RunProgress } from '../core/handoff/run-progress.js';
import { systemClock } from '../core/lib/clock.js';
import { silentLogger } from '../core/logger.js';

const LINES = 50_000;
const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-'));
const stdoutFile = join(dir, 'stdout.log');
const usage = { input_tokens: 3, output_tokens: 120, cache_creation_input_tokens: 2000, cache_read_input_tokens: 10000 };
const lines: string[] = [JSON.stringify({ type: 'system', subtype: 'init', session_id: 's', model: 'claude-sonnet-4-5' })];
for (let i = 0; i < LINES; i += 1) {
  lines.push(
    JSON.stringify({
      type: 'assistant',
      message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'x'.repeat(200) }], usage },
    }),
  );
}
lines.push(
  JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'done', total_cost_usd: 1.5, num_turns: LINES, usage }),
);
writeFileSync(stdoutFile, `${lines.join('\n')}\n`);
writeFileSync(join(dir, 'stderr.log'), '');

const brain = await createClaudeCode({
  config: parseConfig({}).config,
  paths: { home: dir, brainDir: dir },
  logger: silentLogger(),
  clock: systemClock,
  env: process.env,
});
if (!brain) throw new Error('no brain');
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 100)'], { stdio: 'ignore' });
const progress = new RunProgress();
const started = performance.now();
const follower = new RunFollower({
  runDir: dir,
  stdoutFile,
  stderrFile: join(dir, 'stderr.log'),
  pid: child.pid as number,
  bootId: null,
  procStart: null,
  child,
  clock: systemClock,
  tickMs: 1000,
  finalGraceMs: 10_000,
  tailBytes: 8 * 1024 * 1024,
  onLine: (line) => {
    const parsed = brain.parseProgress(line);
    if (parsed) progress.apply(parsed);
    return parsed?.final === true;
  },
});
follower.start();
const end = await follower.done;
const elapsed = performance.now() - started;
const result = brain.parseResult({ stdout: end.stdoutTail, stderr: end.stderrTail, exitCode: end.exitCode });
const bytes = Buffer.byteLength(lines.join('\n'));
const settings = { lines: LINES, megabytes: Math.round(bytes / 1e5) / 10, turns: progress.turns, result: result.text };
console.log(
  JSON.stringify({
    bench: 'brain-follow',
    metric: 'lines_per_s',
    value: Math.round(LINES / (elapsed / 1000)),
    unit: 'lines/s',
    ...settings,
  }),
);
rmSync(dir, { recursive: true, force: true });
