import { afterEach, describe, expect, it } from 'vitest';
import { type HandoffHost, startHandoffHost } from './handoff-host.js';

let host: HandoffHost | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
});

const THREAD = { platform: 'fake', chatId: 'team-chat', threadId: 'plans' };
const ANN = { id: 'owner', name: 'Ann' };
const BOB = { id: 'bob', name: 'Bob' };

describe('a Claude Code session is continued only for who started it', () => {
  it('keys the session by thread and user: someone else in the same thread starts fresh', async () => {
    const started = await startHandoffHost({ config: { access: { admins: ['fake:owner', 'fake:bob'] } } });
    host = started;
    const ask = async (user: typeof ANN, text: string) => {
      const taskId = await started.ask(text, { address: THREAD, user });
      await started.answered(taskId);
      return taskId;
    };
    const annFirst = await ask(ANN, '/handoff draft the migration plan');
    const bobFirst = await ask(BOB, '/handoff what did you plan so far?');
    const annAgain = await ask(ANN, '/handoff go on with the plan');
    const sessionOf = (taskId: number) =>
      (started.runtime.db.prepare('SELECT session_id FROM brain_runs WHERE task_id = ?').get(taskId) as { session_id: string }).session_id;

    const starts = started.cli().filter((e) => e.tool === 'claude' && e.event === 'start');
    expect(starts).toHaveLength(3);
    // Bob, in Ann's thread, never continues Ann's conversation (nor reads what she asked in it).
    expect(starts[1]?.argv).not.toContain('--resume');
    expect(sessionOf(bobFirst)).not.toBe(sessionOf(annFirst));
    // Ann continues her own.
    expect(starts[2]?.argv).toEqual(expect.arrayContaining(['--resume', sessionOf(annFirst)]));
    expect(started.repliesFor(annAgain)[0]?.text).toBe('Done: go on with the plan');
  });
});
