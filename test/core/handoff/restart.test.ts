import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../storage/db.js';
import { FAKE_CLI_ENV } from '../../brains/brain-deps.js';
import { tempDir, waitFor } from '../../helpers.js';
import { FAKE_BIN, pidAlive, ROOT, readCliLog } from './handoff-host.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'brain-host.mjs');
const THREAD = { platform: 'fake', chatId: 'chat-9', threadId: 't-42' };

interface Sent {
  host: number;
  type: 'send' | 'edit';
  address: { platform: string; chatId: string; threadId?: string };
  reply: { text: string; footer?: string };
}

const running: ChildProcess[] = [];
const dirs: Array<{ remove(): void }> = [];
const gates: string[] = [];

afterEach(() => {
  for (const gate of gates.splice(0)) writeFileSync(gate, 'go');
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) dir.remove();
});

/** A data dir, the fake CLIs on PATH, and one /handoff message in a thread. */
function createSetup(text: string, config: Record<string, unknown> = {}) {
  const dir = tempDir('pie-brain-restart-');
  dirs.push(dir);
  const gate = join(dir.path, 'gate');
  gates.push(gate);
  const files = { sent: join(dir.path, 'sent.jsonl'), log: join(dir.path, 'cli.log'), ready: join(dir.path, 'ready') };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIE_BRAIN_HOME: join(dir.path, 'home'),
    HOME: dir.path,
    PATH: `${FAKE_BIN}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOST_SENT_FILE: files.sent,
    HOST_READY_FILE: files.ready,
    HOST_CONFIG: JSON.stringify({
      access: { admins: ['fake:owner'] },
      brains: { progressIntervalSeconds: 0.05, passEnv: FAKE_CLI_ENV },
      ...config,
    }),
    HOST_MESSAGES: JSON.stringify([{ id: 'msg-1', address: THREAD, text }]),
    FAKE_BRAIN_LOG: files.log,
    FAKE_BRAIN_GATE: gate,
  };
  let stderr = '';
  return {
    files,
    openGate: () => writeFileSync(gate, 'go'),
    cli: () => readCliLog(files.log),
    sent: (): Sent[] =>
      existsSync(files.sent)
        ? readFileSync(files.sent, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Sent)
        : [],
    stderr: () => stderr,
    /** The task's row and its trace, read from pie-brain's database. */
    task(taskId: number) {
      const db = openDatabase(join(dir.path, 'home', 'pie-brain.db'));
      try {
        const row = db.prepare('SELECT status, attempts FROM tasks WHERE id = ?').get(taskId) as { status: string; attempts: number };
        const events = db.prepare('SELECT type FROM task_events WHERE task_id = ? ORDER BY id').all(taskId) as Array<{ type: string }>;
        return { ...row, events: events.map((event) => event.type) };
      } finally {
        db.close();
      }
    },
    /** The task's brain run and what the ledger booked for it. */
    brainRun(taskId: number) {
      const db = openDatabase(join(dir.path, 'home', 'pie-brain.db'));
      try {
        const run = db.prepare('SELECT status, outcome, pid, settled, cost_usd AS costUsd FROM brain_runs WHERE task_id = ?').get(taskId) as
          | { status: string; outcome: string | null; pid: number | null; settled: number; costUsd: number | null }
          | undefined;
        const booked = db.prepare('SELECT cost_usd AS costUsd, estimated FROM ledger WHERE task_id = ?').all(taskId);
        return { run, booked };
      } finally {
        db.close();
      }
    },
    /** Run pie-brain until it kills itself between starting the task's run and writing the run's pid down. */
    async crashAfterSpawn(): Promise<void> {
      const child = spawn(process.execPath, [FIXTURE], { env: { ...env, HOST_KILL_BEFORE_RUNNING: '1' }, stdio: 'ignore' });
      running.push(child);
      const ended = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      expect(ended).toBe('SIGKILL');
    },
    /** Start pie-brain and wait until it is ready. */
    async start(): Promise<ChildProcess> {
      rmSync(files.ready, { force: true });
      const child = spawn(process.execPath, [FIXTURE], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      running.push(child);
      await waitFor(() => existsSync(files.ready) || child.exitCode !== null, 20_000, 'pie-brain to be ready');
      if (child.exitCode !== null) throw new Error(`pie-brain exited: ${stderr}`);
      return child;
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopGracefully(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await exited(child);
}

const answers = (sent: Sent[]) => sent.filter((entry) => entry.type === 'send' && entry.reply.text.startsWith('Done:'));

describe('a brain run outlives pie-brain', () => {
  it('is watched again after a SIGKILL and its result is posted exactly once, in the right thread', async () => {
    const setup = createSetup('/handoff [wait] [turns:3] build the parser');
    const first = await setup.start();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'start'), 15_000, 'claude to start');
    const claude = setup.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    first.kill('SIGKILL');
    await exited(first);
    expect(pidAlive(claude)).toBe(true);

    const second = await setup.start();
    setup.openGate();
    await waitFor(() => answers(setup.sent()).length > 0, 20_000, 'the answer');
    // One more life: a third start must not post it again.
    await stopGracefully(second);
    const third = await setup.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stopGracefully(third);

    const posted = answers(setup.sent());
    expect(posted).toHaveLength(1);
    expect(posted[0]?.address).toMatchObject(THREAD);
    expect(posted[0]?.host).toBe(second.pid);
    expect(posted[0]?.reply.text).toBe('Done: [wait] [turns:3] build the parser');
    expect(posted[0]?.reply.footer).toMatch(/^claude-code · \$0\.0123 · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 3 turns$/);
    expect(setup.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    const started = setup.sent().filter((entry) => entry.type === 'send' && entry.reply.text.startsWith('Started claude-code'));
    expect(started).toHaveLength(1);
  });

  it('outlives more crashes than queue.maxAttempts: re-attaching to the run uses no attempt', async () => {
    const setup = createSetup('/handoff [wait] [turns:2] the long one', { queue: { maxAttempts: 2 } });
    let host = await setup.start();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'start'), 15_000, 'claude to start');
    for (let crash = 1; crash <= 3; crash += 1) {
      host.kill('SIGKILL');
      await exited(host);
      host = await setup.start();
      await waitFor(
        () => {
          const task = setup.task(1);
          return task.status === 'dead' || task.events.filter((type) => type === 'attempt-refunded').length === crash;
        },
        15_000,
        `re-attach ${crash}`,
      );
      expect(setup.task(1)).toMatchObject({ status: 'executing', attempts: 1 });
    }
    setup.openGate();
    await waitFor(() => answers(setup.sent()).length > 0, 20_000, 'the answer');
    await stopGracefully(host);

    expect(setup.task(1)).toMatchObject({ status: 'done', attempts: 1 });
    const posted = answers(setup.sent());
    expect(posted).toHaveLength(1);
    expect(posted[0]?.reply.text).toBe('Done: [wait] [turns:2] the long one');
    expect(posted[0]?.host).toBe(host.pid);
    expect(setup.sent().filter((entry) => entry.reply.text.includes('gave up'))).toEqual([]);
    expect(setup.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
  });

  it('is read from its files and answered once when it ended while pie-brain was down', async () => {
    const setup = createSetup('/handoff [wait] [turns:2] write the docs');
    const first = await setup.start();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'start'), 15_000, 'claude to start');
    const claude = setup.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    first.kill('SIGKILL');
    await exited(first);

    setup.openGate();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'end'), 15_000, 'claude to finish on its own');
    await waitFor(() => !pidAlive(claude), 5000, 'claude to exit');
    expect(answers(setup.sent())).toEqual([]);

    const second = await setup.start();
    await waitFor(() => answers(setup.sent()).length > 0, 20_000, 'the answer');
    await stopGracefully(second);
    const third = await setup.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stopGracefully(third);

    const posted = answers(setup.sent());
    expect(posted).toHaveLength(1);
    expect(posted[0]?.address).toMatchObject(THREAD);
    expect(posted[0]?.reply.footer).toMatch(/^claude-code · \$0\.0123 · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 2 turns$/);
    expect(setup.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
  });
});

describe('a SIGKILL between starting a run and writing its pid down', () => {
  it('never starts a second run while the first goes on: the restart finds it, answers once and books its cost', async () => {
    const setup = createSetup('/handoff [wait] [turns:2] index the notes');
    await setup.crashAfterSpawn();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'start'), 15_000, 'claude to start');
    const claude = setup.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    expect(pidAlive(claude)).toBe(true);
    expect(setup.brainRun(1).run).toMatchObject({ status: 'starting', pid: null });

    const second = await setup.start();
    await waitFor(() => setup.brainRun(1).run?.pid, 10_000, 'the run to be found by its folder');
    setup.openGate();
    await waitFor(() => answers(setup.sent()).length > 0, 20_000, 'the answer');
    await stopGracefully(second);

    expect(setup.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    const posted = answers(setup.sent());
    expect(posted).toHaveLength(1);
    expect(posted[0]?.reply.text).toBe('Done: [wait] [turns:2] index the notes');
    expect(setup.brainRun(1)).toEqual({
      run: { status: 'ended', outcome: 'ok', pid: expect.any(Number), settled: 1, costUsd: 0.0123 },
      booked: [{ costUsd: 0.0123, estimated: 0 }],
    });
  });

  it('books the cost of such a run that ended while pie-brain was down, from its files, and starts no other', async () => {
    const setup = createSetup('/handoff [wait] [turns:3] summarise the week');
    await setup.crashAfterSpawn();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'start'), 15_000, 'claude to start');
    setup.openGate();
    await waitFor(() => setup.cli().some((e) => e.tool === 'claude' && e.event === 'end'), 15_000, 'claude to finish on its own');

    const second = await setup.start();
    await waitFor(() => answers(setup.sent()).length > 0, 20_000, 'the answer');
    await stopGracefully(second);

    expect(setup.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    expect(answers(setup.sent()).map((entry) => entry.reply.footer)).toEqual([
      expect.stringMatching(/^claude-code · \$0\.0123 · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 3 turns$/),
    ]);
    expect(setup.brainRun(1)).toEqual({
      run: { status: 'ended', outcome: 'ok', pid: null, settled: 1, costUsd: 0.0123 },
      booked: [{ costUsd: 0.0123, estimated: 0 }],
    });
  });
});
