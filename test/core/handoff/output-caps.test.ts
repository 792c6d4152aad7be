import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { previousGeneration } from '../../../core/handoff/capped-log.js';
import { waitFor } from '../../helpers.js';
import { type HandoffHost, hostsOnOneDir, pidAlive } from './handoff-host.js';

const { start, stop } = hostsOnOneDir('pie-brain-output-caps-');
const groups: number[] = [];

afterEach(() => {
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function runDirOf(host: HandoffHost, taskId: number): string {
  return (host.runtime.db.prepare('SELECT run_dir FROM brain_runs WHERE task_id = ?').get(taskId) as { run_dir: string }).run_dir;
}

/** The result of reading `path`, or `missing` when the file is not there: the writer renames generations as it goes. */
function orMissing<T>(read: () => T, missing: T): T {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing;
    throw error;
  }
}

/** What a run's stdout holds on disk: the current file and the generation before it. */
function stdoutOnDisk(runDir: string): number {
  const file = join(runDir, 'stdout.log');
  return [file, previousGeneration(file)].reduce((sum, path) => sum + orMissing(() => statSync(path).size, 0), 0);
}

const MB = 1024 * 1024;

describe('a run’s output files are capped', () => {
  it('keeps a chatty run to brains.maxOutputMb on disk, marks where it cut, and still reads its answer', async () => {
    const host = await start({ config: { brains: { maxOutputMb: 1 } } });
    const taskId = await host.ask('/handoff [chatty:40] [turns:2] explain everything at length');
    await host.answered(taskId);
    expect(host.repliesFor(taskId).map((reply) => reply.text)).toEqual(['Done: [chatty:40] [turns:2] explain everything at length']);
    expect(host.runtime.ledger.forTask(taskId)[0]).toMatchObject({ costUsd: 0.0123, estimated: false });
    const runDir = runDirOf(host, taskId);
    expect(stdoutOnDisk(runDir)).toBeLessThanOrEqual(MB);
    const kept = readFileSync(previousGeneration(join(runDir, 'stdout.log')), 'utf8') + readFileSync(join(runDir, 'stdout.log'), 'utf8');
    const dropped = Number(/\[pie-brain\] (\d+) bytes of earlier output were dropped here/.exec(kept)?.[1]);
    expect(dropped).toBeGreaterThan(38 * MB);
  });

  it('keeps the cap while pie-brain is down: the capture process enforces it, not the follower', async () => {
    const first = await start({ config: { brains: { maxOutputMb: 1 } } });
    const taskId = await first.ask('/handoff [chatty:4] [forever] never stop talking');
    await first.waitForCli('claude', 'start');
    const pid = (await waitFor(() => first.runPid(taskId), 10_000, 'the run to have its pid recorded')) as number;
    groups.push(pid);
    const runDir = runDirOf(first, taskId);
    await stop(first);

    // Nobody follows the run now; it goes on writing 4 MB at a time.
    const marker = () => {
      const file = join(runDir, 'stdout.log');
      const head = orMissing(() => readFileSync(file, 'utf8').split('\n')[0], '');
      return Number(/\[pie-brain\] (\d+) bytes/.exec(head ?? '')?.[1] ?? 0);
    };
    await waitFor(() => marker() > 30 * MB, 20_000, 'the run to have written 30 MB');
    expect(pidAlive(pid)).toBe(true);
    expect(stdoutOnDisk(runDir)).toBeLessThanOrEqual(MB);
  });
});

describe('a run’s reply is capped', () => {
  it('saves a long answer as a note in the inbox; the reply carries its start and the note’s name', async () => {
    const host = await start();
    const taskId = await host.ask('/handoff [long:1000000] write the whole manual');
    await host.answered(taskId);
    const [reply] = host.repliesFor(taskId);
    const text = reply?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text.startsWith('Done: [long:1000000] write the whole manual\nAll work and no play.')).toBe(true);
    expect(text).toContain(
      '_The answer is 1,000,000 characters long; here is its start. It is saved whole in your brain folder as `inbox/task-1-1-claude-code.md`._',
    );
    const note = readFileSync(join(host.paths.brainDir, 'inbox', 'task-1-1-claude-code.md'), 'utf8');
    expect(note).toMatch(
      /^---\ntitle: "Task 1: the claude-code answer"\ncreated: .+\nsource: pie-brain task 1 \(claude-code\)\n---\n\nDone: /,
    );
    expect(note.length).toBeGreaterThan(1_000_000);
    // One chat message, not 250.
    const sent = host.adapter.sent.filter((message) => message.reply.text.includes('write the whole manual'));
    expect(sent).toHaveLength(1);
  });
});
