import { afterEach, describe, expect, it } from 'vitest';
import { installMemoryLog } from '../../../core/memory-log/install.js';
import { type HandoffHost, startHandoffHost } from '../handoff/handoff-host.js';
import { decisionJson } from '../router/harness.js';
import { type MemoryHost, startMemoryHost } from './memory-host.js';

let host: MemoryHost | undefined;
let handoff: HandoffHost | undefined;
afterEach(async () => {
  await host?.close();
  await handoff?.close();
  host = undefined;
  handoff = undefined;
});

describe('the memory event log, fed by a running pie-brain', () => {
  it('records a slash command as request, route decision, tool call with its inputs and output, and reply', async () => {
    host = await startMemoryHost();
    const { taskId, reply } = await host.say('/memory save Sourdough wants a warm kitchen and patience');
    expect(reply.text).toMatch(/^Saved \*Sourdough wants a warm kitchen and patience\*/);
    const events = host.events().filter((event) => event.taskId === taskId);
    expect(events.map((event) => event.kind)).toEqual(['request', 'route', 'tool', 'reply']);
    const [request, route, tool, answer] = events;
    expect(request).toMatchObject({
      platform: 'telegram',
      userId: 'owner',
      chatId: 'chat-1',
      text: '/memory save Sourdough wants a warm kitchen and patience',
    });
    expect(route?.data).toMatchObject({
      tool: 'memory',
      source: 'slash',
      handoff: false,
      params: { action: 'save', text: 'Sourdough wants a warm kitchen and patience' },
    });
    // The tool's own output; the reply adds the note's link after it.
    const output = reply.text.split('\n\n')[0] as string;
    expect(output).toMatch(/^Saved .* to `.*\.md`\.$/);
    expect(tool?.data).toMatchObject({ tool: 'memory', ok: true, params: { action: 'save' }, output });
    expect(tool?.text).toContain('"action":"save"');
    expect(answer).toMatchObject({ userId: 'owner', text: reply.text, data: { status: 'done' } });
  });

  it('records the model calls of a plain message with their tokens and cost, and the chat answer', async () => {
    host = await startMemoryHost();
    host.fake.answerChat(decisionJson('chat', {}, false, 'small talk'), 'Because it was kneaded.');
    const { taskId, reply } = await host.say('why did the bread go to therapy?');
    expect(reply.text).toBe('Because it was kneaded.');
    const events = host.events().filter((event) => event.taskId === taskId);
    expect(events.map((event) => event.kind)).toEqual(['request', 'model-call', 'route', 'model-call', 'reply']);
    const calls = events.filter((event) => event.kind === 'model-call');
    expect(calls.map((call) => call.data?.purpose)).toEqual(['route', 'chat']);
    expect(calls[0]?.data).toMatchObject({ ok: true, provider: 'ollama', costUsd: 0, tokensIn: expect.any(Number) });
    expect(calls[0]?.text).toMatch(/^ollama \S+ · route · \d+\+\d+ tok · \$0 · /);
    expect(events.find((event) => event.kind === 'route')?.data).toMatchObject({ tool: 'chat', source: 'model', reason: 'small talk' });
  });

  it('records a failed tool call with what the user was told and its code', async () => {
    host = await startMemoryHost();
    const { taskId, reply } = await host.say('/memory reindex', 'friend');
    expect(reply.text).toContain('needs the right to operate pie-brain');
    const tool = host.events().find((event) => event.taskId === taskId && event.kind === 'tool');
    expect(tool).toMatchObject({ userId: 'friend', data: { ok: false, code: 'FORBIDDEN', params: { action: 'reindex' } } });
    expect(tool?.text).toContain('failed: Sorry, `/memory reindex` needs the right to operate');
  });

  it('keeps only the fact of a memory look-up, not the recalled text again', async () => {
    host = await startMemoryHost();
    await host.say('/memory save The boiler code is in the blue folder');
    const { taskId, reply } = await host.say('/memory find boiler');
    expect(reply.text).toContain('*boiler*');
    const events = host.events().filter((event) => event.taskId === taskId);
    expect(events.map((event) => [event.kind, event.recall])).toEqual([
      ['request', false],
      ['route', false],
      ['tool', true],
      ['reply', true],
    ]);
    expect(events[2]?.text).toMatch(/recalled \d+ characters from memory \(not stored again\)$/);
    expect(events[3]?.text).toMatch(/^a memory look-up of \d+ characters/);
    expect(events.map((event) => event.text).join('\n')).not.toContain('blue folder');
  });

  it('leaves nothing behind for a stranger, and scrubs configured secrets from what it keeps', async () => {
    host = await startMemoryHost({ secrets: ['sk-ant-api03-very-secret'] });
    const refused = await host.adapter.receive('hello, log me please', { user: { id: 'eve', name: 'Eve' } });
    expect(refused.status).toBe('refused');
    await host.say('/memory save the key is sk-ant-api03-very-secret, keep it');
    const events = host.events();
    expect(events.filter((event) => event.userId === 'eve')).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
    const stored = host.runtime.db.prepare('SELECT text, data FROM memory_events').all();
    expect(JSON.stringify(stored)).not.toContain('very-secret');
    expect(events[0]?.text).toBe('/memory save the key is [REDACTED], keep it');
  });

  it("records the admins' alerts as pie-brain's own events", async () => {
    host = await startMemoryHost();
    host.runtime.alerts.notify('disk', 'The disk is 95 % full.');
    const alert = host.events().find((event) => event.kind === 'alert');
    expect(alert).toMatchObject({ taskId: null, userId: null, text: 'The disk is 95 % full.', data: { key: 'disk' } });
  });

  it('records a cloud run: its start, its end with outcome and cost, and the reply', async () => {
    handoff = await startHandoffHost();
    const log = installMemoryLog(handoff.runtime, { home: handoff.runtime.options.paths.home });
    const taskId = await handoff.ask('/handoff [turns:3] summarise the repository');
    await handoff.answered(taskId);
    const events = log.events
      .recent(null, 100)
      .reverse()
      .filter((event) => event.taskId === taskId);
    expect(events.map((event) => event.kind)).toEqual(['request', 'cloud-run', 'cloud-run', 'reply']);
    expect(events[1]).toMatchObject({ userId: 'owner', data: { brain: 'claude-code', phase: 'started' } });
    expect(events[2]).toMatchObject({ data: { brain: 'claude-code', phase: 'ended', outcome: 'ok', costUsd: 0.0123 } });
    expect(events[2]?.text).toMatch(/^claude-code ended: ok · \$0\.0123 · /);
    expect(events[3]?.text).toBe('Done: [turns:3] summarise the repository');
    await log.close();
  });
});
