import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/db.js';
import { PlanSessionStore } from '../../storage/plan-sessions.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { planJson } from '../core/supervisor/plan-harness.js';
import { clockFrom } from '../fakes/clock.js';
import { FakeOllama } from '../fakes/ollama.js';
import { json, RecordingServer } from '../fakes/recording-server.js';
import { tempDir, waitFor } from '../helpers.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

const worker = fileURLToPath(new URL('../fixtures/plan-worker.mjs', import.meta.url));
const clock = clockFrom('2026-11-23T12:00:00Z');
const GOAL = 'note alpha, look up beta, then note gamma';

function message(text: string) {
  return {
    id: 'msg-plan',
    address: { platform: 'http', chatId: 'room', threadId: 'thread-3' },
    user: { id: 'owner', name: 'Owner' },
    text,
    command: { name: 'plan', args: text.replace(/^\/plan\s+/, '') },
    receivedAt: clock.now(),
  };
}

describe('a plan killed with SIGKILL between steps (real child processes, same data dir)', () => {
  let dir: ReturnType<typeof tempDir>;
  let fake: RecordingServer;
  let ollama: FakeOllama;
  /** Hold the answer of this tool call (1-based, across both runs) until the test lets go. */
  let holdCall: number | undefined;
  const held: ServerResponse[] = [];

  beforeEach(async () => {
    dir = tempDir();
    holdCall = undefined;
    fake = new RecordingServer();
    fake.on('/tool', (req, res) => {
      const body = req.body as { tool: string; params: { topic: string } };
      if (fake.at('/tool').length === holdCall) held.push(res);
      else json(res, 200, { text: `${body.tool} did ${body.params.topic}` });
    });
    fake.on('/send', (_req, res) => json(res, 200, { id: `platform-${fake.at('/send').length}` }));
    await fake.start();
    ollama = await new FakeOllama().start();
  });

  afterEach(async () => {
    held.splice(0);
    await fake.stop();
    await ollama.close();
    dir.remove();
  });

  function runWorker(): WorkerProcess {
    return startWorker(worker, [dir.path, fake.url, ollama.host, JSON.stringify([message(`/plan ${GOAL}`)])], {
      ...process.env,
      PIE_BRAIN_TEST_CLOCK: String(clock.now()),
    });
  }

  function stored() {
    const db = openDatabase(join(dir.path, 'pie-brain.db'));
    const plan = new PlanSessionStore(db).forTask(1);
    const task = new SqliteTaskQueue(db).get(1);
    db.close();
    return { plan, task };
  }

  /** Run the plan, kill the worker once step 1 is settled and step 2 has started, then run it again to the end. */
  async function killInStepTwo(): Promise<void> {
    holdCall = 2;
    const first = runWorker();
    await waitFor(() => held.length === 1, 20_000, 'step 2 in flight');
    await waitFor(() => fake.at('/send').length === 1, 10_000, 'the outline delivered');
    expect(stored().plan?.steps.map((step) => step.status)).toEqual(['done', 'running', 'pending']);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    held.splice(0);
    holdCall = undefined;
    const second = runWorker();
    expect(await second.exited).toBe(0);
  }

  function toolCalls(): string[] {
    return fake.at('/tool').map((r) => {
      const body = r.body as { tool: string; params: { topic: string } };
      return `${body.tool} ${body.params.topic}`;
    });
  }

  it('after a restart, settled steps are not run again and a step that only reads is repeated', async () => {
    ollama.onChat(() =>
      planJson(
        ['jot', { topic: 'alpha' }, false, 'note alpha'],
        ['lookup', { topic: 'beta' }, false, 'look up beta'],
        ['jot', { topic: 'gamma' }, false, 'note gamma'],
      ),
    );
    await killInStepTwo();

    expect(toolCalls()).toEqual(['jot alpha', 'lookup beta', 'lookup beta', 'jot gamma']);
    // The plan was written once: the second run took it from the database.
    expect(ollama.chats()).toHaveLength(1);
    const sends = fake.at('/send').map((r) => (r.body as { reply: { text: string } }).reply.text);
    expect(sends).toHaveLength(2);
    expect(sends[0]).toContain('1. note alpha (jot)\n2. look up beta (lookup)\n3. note gamma (jot)');
    expect(sends[1]).toContain('*1. note alpha* (jot): done\njot did alpha');
    expect(sends[1]).toContain('*2. look up beta* (lookup): done\nlookup did beta');
    expect(sends[1]).toMatch(/3 of 3 steps done\.(\n|$)/);
    const { plan, task } = stored();
    expect(task).toMatchObject({ status: 'done', attempts: 2 });
    expect(plan?.status).toBe('done');
    expect(plan?.steps.map((step) => [step.status, step.attempts])).toEqual([
      ['done', 1],
      ['done', 2],
      ['done', 1],
    ]);
  });

  it('after a restart, a step that may have written something is not repeated, and the answer says so', async () => {
    ollama.onChat(() =>
      planJson(
        ['lookup', { topic: 'alpha' }, false, 'look up alpha'],
        ['jot', { topic: 'beta' }, false, 'note beta'],
        ['lookup', { topic: 'gamma' }, false, 'look up gamma'],
      ),
    );
    await killInStepTwo();

    expect(toolCalls()).toEqual(['lookup alpha', 'jot beta', 'lookup gamma']);
    const answer = (fake.at('/send').at(-1)?.body as { reply: { text: string } } | undefined)?.reply.text;
    expect(answer).toContain('*2. note beta* (jot): interrupted\npie-brain restarted while this step ran');
    expect(answer).toMatch(/2 of 3 steps done; 1 interrupted\.(\n|$)/);
    expect(fake.at('/send')).toHaveLength(2);
    const { plan } = stored();
    expect(plan?.status).toBe('partial');
    expect(plan?.steps.map((step) => step.status)).toEqual(['done', 'interrupted', 'done']);
  });
});
