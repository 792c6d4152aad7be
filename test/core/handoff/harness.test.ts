import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers.js';
import { type HandoffHost, pidAlive, startHandoffHost } from './handoff-host.js';

let host: HandoffHost | undefined;

afterEach(async () => {
  host?.openGate();
  await host?.close();
  host = undefined;
});

describe('handoff harness with the fake claude', () => {
  it('runs /handoff in claude-code and answers with the result, the cost and the duration', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff [slow] [turns:3] summarise the repository');
    await host.answered(taskId);
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toBe('Done: [slow] [turns:3] summarise the repository');
    expect(reply?.footer).toMatch(/^claude-code · \$0\.0123 · (\d+ ms|\d+\.\d s|\d+m\d\ds) · 3 turns$/);

    const started = host.cli().filter((e) => e.tool === 'claude' && e.event === 'start');
    expect(started).toHaveLength(1);
    expect(started[0]?.argv?.slice(0, 5)).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--disable-slash-commands']);
    expect(started[0]?.prompt).toBe('User request (verbatim):\n[slow] [turns:3] summarise the repository');
    expect(started[0]?.argv).toEqual(
      expect.arrayContaining(['--max-turns', '30', '--permission-mode', 'acceptEdits', '--max-budget-usd', '2']),
    );

    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry).toMatchObject({
      kind: 'brain',
      provider: 'claude-code',
      model: 'claude-sonnet-4-5-20250929',
      tokensIn: 9,
      tokensOut: 360,
      cacheReadTokens: 30_000,
      cacheWriteTokens: 2000,
      costUsd: 0.0123,
      reportedCostUsd: 0.0123,
      estimated: false,
      purpose: '/handoff',
    });
    expect(host.spend.reservations).toHaveLength(1);
    expect(host.spend.reservations[0]).toMatchObject({ request: { taskId, provider: 'claude-code', capUsd: 2 }, settledUsd: 0.0123 });
  });

  it('shows progress in one message that it edits, and ends it with the outcome', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff [wait] [turns:4] refactor');
    await host.waitForCli('claude', 'start');
    await new Promise((resolve) => setTimeout(resolve, 300));
    host.openGate();
    await host.answered(taskId);
    const progress = host.runtime.outbox.forTask(taskId).filter((row) => row.kind === 'progress');
    expect(progress).toHaveLength(1);
    expect((progress[0]?.body as { text: string } | undefined)?.text).toMatch(
      /^Started claude-code on task \d+ in `scratch`\. This message shows its progress\./,
    );
    const edits = host.adapter.edits.filter((edit) => edit.messageId === progress[0]?.receipt);
    // While it works, the cost is estimated from the usage of each model message, and says so.
    expect(
      edits.some((edit) => /^claude-code: working (\d+ ms|\d+\.\d s), 4 turns, \$[\d.]+ so far \(estimated\)$/.test(edit.reply.text)),
    ).toBe(true);
    const last = () => host?.adapter.edits.filter((edit) => edit.messageId === progress[0]?.receipt).at(-1)?.reply.text;
    await waitFor(() => last()?.startsWith('claude-code finished'), 2000, 'the last edit');
    expect(last()).toMatch(/^claude-code finished after (\d+ ms|\d+\.\d s) \(\$0\.0123\)\.$/);
  });

  it('passes a prompt full of shell metacharacters on stdin, intact, and none of it in argv', async () => {
    host = await startHandoffHost();
    // (`rm -rf ~` itself would be refused by the commands rule pack before any brain starts.)
    const prompt = `fix "quotes" and 'single'; rm -rf ./tmp && echo $(whoami) \`id\` | tee > /dev/null & * ? [x] $HOME \\ ; exit 1`;
    const taskId = await host.ask(`/handoff ${prompt}`);
    await host.answered(taskId);
    const start = host.cli().find((e) => e.tool === 'claude' && e.event === 'start');
    expect(start?.prompt).toBe(`User request (verbatim):\n${prompt}`);
    expect(start?.argv?.some((arg) => arg.includes('whoami'))).toBe(false);
    expect(host.repliesFor(taskId)[0]?.text).toBe(`Done: ${prompt}`);
  });

  it('a prompt that starts with a dash is text, never an option', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff --help me fix the build');
    await host.answered(taskId);
    expect(host.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.prompt).toBe(
      'User request (verbatim):\n--help me fix the build',
    );
    expect(host.repliesFor(taskId)[0]?.text).toBe('Done: --help me fix the build');
  });

  it('fails the task with what claude said when the run ends with is_error, and still books its cost', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff [error] deploy');
    await host.answered(taskId);
    expect(host.runtime.queue.get(taskId)?.status).toBe('failed');
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toContain('claude-code stopped with an error: Tool execution failed: permission denied');
    expect(reply?.text).toContain('claude-code · $0.0123');
    expect(host.runtime.ledger.forTask(taskId)[0]?.costUsd).toBe(0.0123);
  });

  it('charges an estimate when claude crashes before its result line', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff [crash] go');
    await host.answered(taskId);
    expect(host.runtime.queue.get(taskId)?.status).toBe('failed');
    expect(host.repliesFor(taskId)[0]?.text).toContain('claude ended without a result: TypeError');
    const [entry] = host.runtime.ledger.forTask(taskId);
    expect(entry?.estimated).toBe(true);
    expect(entry?.costUsd).toBeGreaterThan(0);
  });

  it('continues the thread’s session in the same directory with --resume', async () => {
    host = await startHandoffHost();
    const first = await host.ask('/handoff start a plan', { address: { platform: 'fake', chatId: 'chat-1', threadId: 't-1' } });
    await host.answered(first);
    const second = await host.ask('/handoff go on', { address: { platform: 'fake', chatId: 'chat-1', threadId: 't-1' } });
    await host.answered(second);
    const other = await host.ask('/handoff elsewhere', { address: { platform: 'fake', chatId: 'chat-1', threadId: 't-2' } });
    await host.answered(other);
    const starts = host.cli().filter((e) => e.tool === 'claude' && e.event === 'start');
    const session = (host.runtime.db.prepare('SELECT session_id FROM brain_runs WHERE task_id = ?').get(first) as { session_id: string })
      .session_id;
    expect(starts[1]?.argv).toEqual(expect.arrayContaining(['--resume', session]));
    expect(starts[2]?.argv).not.toContain('--resume');
    expect(host.repliesFor(second)[0]?.text).toBe('Done: go on');
  });
});

describe('one cloud run at a time', () => {
  it('runs a second request after the first, in order, and tells it its place', async () => {
    host = await startHandoffHost();
    const first = await host.ask('/handoff [wait] first');
    await host.waitForCli('claude', 'start');
    const second = await host.ask('/handoff [wait] second');
    const third = await host.ask('/handoff [wait] third');
    const place = (taskId: number) =>
      host?.runtime.outbox
        .forTask(taskId)
        .filter((row) => row.kind === 'progress')
        .map((row) => (row.body as { text: string }).text)
        .find((text) => text.includes('in line'));
    await waitFor(() => place(third), 5000, 'the third task to be told its place');
    expect(place(second)).toMatch(/task \d+ is number 1 in line/);
    expect(place(third)).toMatch(/task \d+ is number 2 in line/);
    expect(host.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    host.openGate();
    await Promise.all([host.answered(first), host.answered(second), host.answered(third)]);
    const events = host.cli().filter((e) => e.tool === 'claude' && (e.event === 'start' || e.event === 'end'));
    expect(events.map((e) => e.event)).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    expect(events.filter((e) => e.event === 'start').map((e) => e.prompt?.split('\n')[1])).toEqual([
      '[wait] first',
      '[wait] second',
      '[wait] third',
    ]);
  });
});

describe('/cancel', () => {
  it('stops the run’s whole process group and says so', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff [forever] [child] endless');
    await host.waitForCli('claude', 'grandchild');
    const claude = host.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.pid as number;
    const grandchild = host.cli().find((e) => e.event === 'grandchild')?.child as number;
    expect(pidAlive(claude) && pidAlive(grandchild)).toBe(true);
    const cancel = await host.ask(`/cancel ${taskId}`);
    await host.answered(cancel);
    expect(host.repliesFor(cancel)[0]?.text).toBe(`Stopping task ${taskId}.`);
    await host.answered(taskId);
    expect(host.runtime.queue.get(taskId)?.status).toBe('cancelled');
    const stopped = await waitFor(
      () =>
        host?.runtime.outbox
          .forTask(taskId)
          .map((row) => (row.body as { text: string }).text)
          .find((text) => text.startsWith('Stopped claude-code')),
      5000,
      'the stop notice',
    );
    expect(stopped).toContain(`its whole process group (pid ${host.runPid(taskId)}) was ended`);
    expect(pidAlive(claude)).toBe(false);
    await waitFor(() => !pidAlive(grandchild), 3000, 'the grandchild to be gone');
    const run = host.runtime.db.prepare('SELECT outcome, settled FROM brain_runs WHERE task_id = ?').get(taskId);
    expect(run).toEqual({ outcome: 'cancelled', settled: 1 });
  });

  it('takes a waiting request out of the line without starting it', async () => {
    host = await startHandoffHost();
    const first = await host.ask('/handoff [wait] first');
    await host.waitForCli('claude', 'start');
    const second = await host.ask('/handoff [wait] second');
    await waitFor(() => host?.runtime.outbox.forTask(second).some((row) => row.kind === 'progress'), 5000, 'the place message');
    const cancel = await host.ask(`/cancel ${second}`);
    await host.answered(cancel);
    await host.answered(second);
    host.openGate();
    await host.answered(first);
    expect(host.runtime.queue.get(second)?.status).toBe('cancelled');
    expect(host.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    await waitFor(() => host?.cloudIdle(), 2000, 'the cloud line to be empty');
  });
});
