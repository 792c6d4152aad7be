import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import type { RecordedChat } from '../../fakes/ollama.js';
import { waitFor } from '../../helpers.js';
import { createRouterHarness, decisionJson, type RouterHarness } from './harness.js';

let h: RouterHarness;
let adapter: FakeChatAdapter;

beforeEach(async () => {
  h = await createRouterHarness();
  adapter = new FakeChatAdapter('fake');
  h.runtime.addAdapter(adapter);
  await h.runtime.start();
});
afterEach(async () => {
  await h.close();
});

const isRouting = (request: RecordedChat) => request.format !== undefined;

/** Send a message and wait for the reply in the thread. */
async function say(text: string, threadId = 'thread-1'): Promise<string> {
  const before = adapter.sent.length;
  await adapter.receive(text, { address: { platform: 'fake', chatId: 'chat-1', threadId } });
  const reply = await waitFor(() => adapter.sent.slice(before).find((m) => m.address.chatId === 'chat-1'), 10_000, `a reply to "${text}"`);
  expect(reply.address.threadId).toBe(threadId);
  return reply.reply.text;
}

describe('through the Runtime with a chat adapter', () => {
  it('answers a tool request, a chat turn with the thread history, and records ledger and trace rows', async () => {
    h.writePrefs('My name is Ada. I prefer short answers.');
    let chatTurn = 0;
    h.fake.onChat((request) => {
      if (isRouting(request)) return { content: decisionJson('chat', {}, false, 'conversation'), promptEvalCount: 600, evalCount: 20 };
      chatTurn += 1;
      return { content: `chat answer ${chatTurn}`, promptEvalCount: 300, evalCount: 40 };
    });

    expect(await say('2401.12345')).toBe('arxiv ran with {"mode":"id","id":"2401.12345"}');
    expect(await say('I went hiking in the Alps today')).toBe('chat answer 1');
    expect(await say('where did I go today?')).toBe('chat answer 2');
    expect(await say('something in another thread', 'thread-2')).toBe('chat answer 3');

    const chats = h.fake.chats().filter((request) => !isRouting(request));
    const second = chats[1]?.messages ?? [];
    expect(second[0]?.role).toBe('system');
    expect(second[0]?.content).toContain('My name is Ada.');
    // The same system message as routing: Ollama keeps its KV cache across routing and chat turns.
    expect(new Set(h.fake.chats().map((request) => request.messages[0]?.content)).size).toBe(1);
    // The arXiv turn and the first chat turn of the same thread, oldest first, then the new message.
    expect(second.slice(1)).toEqual([
      { role: 'user', content: '2401.12345' },
      { role: 'assistant', content: 'arxiv ran with {"mode":"id","id":"2401.12345"}' },
      { role: 'user', content: 'I went hiking in the Alps today' },
      { role: 'assistant', content: 'chat answer 1' },
      { role: 'user', content: 'where did I go today?' },
    ]);
    // Another thread starts without that history.
    expect(chats[2]?.messages.slice(1)).toEqual([{ role: 'user', content: 'something in another thread' }]);
    // Chat uses the routing num_ctx, so Ollama never reloads the model for a different context size.
    expect(new Set(h.fake.chats().map((request) => request.options?.num_ctx)).size).toBe(1);

    const taskId = h.runtime.queue.recent({ platform: 'fake', chatId: 'chat-1', threadId: 'thread-1' }, 1)[0]?.id ?? 0;
    const ledger = h.runtime.ledger.forTask(taskId);
    expect(ledger.map((row) => [row.purpose, row.provider, row.tokensIn, row.tokensOut, row.costUsd])).toEqual([
      ['route', 'ollama', 600, 20, 0],
      ['chat', 'ollama', 300, 40, 0],
    ]);
    const trace = h.runtime.queue.events(taskId);
    expect(trace.map((event) => event.type)).toEqual(expect.arrayContaining(['llm:route', 'routed', 'llm:chat']));
    expect(trace.find((event) => event.type === 'llm:route')).toMatchObject({ tokensIn: 600, tokensOut: 20, costUsd: 0 });
    expect(trace.find((event) => event.type === 'routed')?.data).toMatchObject({ source: 'model', tool: 'chat', llmCalls: 1 });
  });

  it('keeps answering by the rules while Ollama is down, and alerts the admins once', async () => {
    h.fake.down = true;
    expect(await say('search my notes for the garden plan')).toBe('memory ran with {"action":"search","query":"the garden plan"}');
    expect(await say('please sync the notes repo')).toContain('git ran with');
    expect(await say('hmm')).toContain('I could not work out what you need');
    await waitFor(() => h.alerts().length > 0, 5000, 'an alert');
    expect(h.alerts()).toHaveLength(1);
    const alerts = adapter.sent.filter((m) => m.address.chatId === 'dm:owner');
    expect(alerts.map((m) => m.reply.text)).toEqual([expect.stringContaining('Routing fell back to the keyword rules')]);
  });
});
