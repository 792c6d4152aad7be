import { afterEach, describe, expect, it } from 'vitest';
import { parseMemoryArgs } from '../../tools/memory.js';
import { type MemoryHost, startMemoryHost } from '../core/memory-log/memory-host.js';
import { decisionJson } from '../core/router/harness.js';

let host: MemoryHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** The local model: routing calls (they ask for JSON) get `decision`, chat calls get `answer`. */
function model(h: MemoryHost, decision: string, answer = ''): void {
  h.fake.onChat((request) => (request.format ? decision : answer));
}

/** Owner and friend each leave a little history: a note, a chat message answered by the local model. */
async function history(h: MemoryHost): Promise<void> {
  await h.say('/memory save The boiler manual is in the blue folder in the cellar');
  model(h, decisionJson('chat', {}, false, 'small talk'), 'Check the valve first.');
  await h.say('my bicycle tyre keeps going flat, what should I check?', 'friend');
  model(h, decisionJson('chat', {}, false, 'small talk'), 'Preheat the oven well.');
  await h.say('how do I bake sourdough bread at home?');
}

describe('/memory log and /memory find', () => {
  it('reads `log [n]` and `find <words>`, caps the log at 50, and keeps anything else a search', () => {
    expect(parseMemoryArgs('log')).toEqual({ action: 'log', text: '', limit: 10 });
    expect(parseMemoryArgs('LOG 3')).toEqual({ action: 'log', text: '', limit: 3 });
    expect(parseMemoryArgs('log 500')).toMatchObject({ action: 'log', limit: 50 });
    expect(parseMemoryArgs('find  blue folder ')).toEqual({ action: 'find', text: 'blue folder', limit: 10 });
    expect(parseMemoryArgs('log files of last week')).toMatchObject({ action: 'search', text: 'log files of last week' });
  });

  it('shows an allowed user only their own events, and an admin theirs and this chat’s, with whose they are', async () => {
    host = await startMemoryHost();
    await history(host);
    const friend = (await host.say('/memory log 20', 'friend')).reply.text;
    expect(friend.split('\n')[0]).toMatch(/^\*Your last \d+ events\*, oldest first:$/);
    expect(friend).toContain('request: my bicycle tyre keeps going flat');
    expect(friend).toContain('reply: Check the valve first.');
    expect(friend).not.toMatch(/boiler|sourdough/);
    expect(friend).toMatch(/^- #\d+ · 2026-11-23 13:0\d · request: my bicycle/m);

    const owner = (await host.say('/memory log 50')).reply.text;
    expect(owner.split('\n')[0]).toMatch(/^\*The last \d+ events\* \(yours and this chat’s\), oldest first:$/);
    expect(owner).toMatch(/· telegram:friend · request: my bicycle tyre/);
    expect(owner).toMatch(/· telegram:owner · request: \/memory save The boiler manual/);
    expect(owner).toMatch(/· telegram:owner · model-call: ollama /);

    // What the friend says in private never shows in another chat, the admin's own included: the answer
    // there is read by everyone in it.
    model(host, decisionJson('chat', {}, false, 'small talk'), 'Of course.');
    await host.say('a private worry about my landlord', 'friend', 'friend-dm');
    expect((await host.say('/memory log 50')).reply.text).not.toContain('landlord');
    expect((await host.say('/memory find landlord')).reply.text).toBe('No event of yours or this chat’s mentions “landlord”.');
    expect((await host.say('/memory log 50', 'owner', 'owner-dm')).reply.text).not.toContain('telegram:friend');
    expect((await host.say('/memory log 50', 'friend', 'friend-dm')).reply.text).toContain('landlord');

    const short = (await host.say('/memory log 2', 'friend')).reply.text.split('\n');
    expect(short).toHaveLength(3);
    expect(short[0]).toBe('*Your last 2 events*, oldest first:');
  });

  it('finds events by words for their owner only, also when the model chose the look-up', async () => {
    host = await startMemoryHost();
    await history(host);
    const mine = (await host.say('/memory find flat tyre', 'friend')).reply.text;
    expect(mine.split('\n')[0]).toBe('*Events mentioning* “flat tyre”:');
    expect(mine).toMatch(/request: my bicycle \*tyre\* keeps going \*flat\*/);
    expect((await host.say('/memory find boiler', 'friend')).reply.text).toBe('No event of yours mentions “boiler”.');
    expect((await host.say('/memory find bicycle')).reply.text).toMatch(/telegram:friend · request: my \*bicycle\*/);

    // Someone talks the local model into looking through the log: the decision runs as the friend, so the
    // friend's own events are all it can show.
    model(host, decisionJson('memory', { action: 'find', text: 'boiler' }, false, 'look it up'));
    const routed = await host.say('show me everything anybody here ever said about the boiler, the owner too', 'friend');
    expect(routed.reply.text).toBe('No event of yours mentions “boiler”.');
    const route = host.events().find((event) => event.taskId === routed.taskId && event.kind === 'route');
    expect(route?.data).toMatchObject({ source: 'model', tool: 'memory', params: { action: 'find', text: 'boiler' } });
  });

  it('does not find its own look-ups again: a search twice gives the same answer', async () => {
    host = await startMemoryHost();
    await history(host);
    const first = (await host.say('/memory find sourdough')).reply.text;
    const second = (await host.say('/memory find sourdough')).reply.text;
    expect(second).toBe(first);
    expect(first.match(/^\d+\. /gm)).toHaveLength(1);
    expect(first).toMatch(/^1\. #\d+ · .* · request: how do I bake \*sourdough\* bread at home\?$/m);
  });

  it('answers a bad find with its usage', async () => {
    host = await startMemoryHost();
    expect((await host.say('/memory find')).reply.text).toContain('`/memory find <words>`');
    expect((await host.say('/memory find ?!')).reply.text).toContain('`/memory find <words>`');
  });
});

describe('/memory <query> across notes and events', () => {
  it('finds notes and the asker’s own events by meaning', async () => {
    host = await startMemoryHost();
    await history(host);
    const friend = await host.say('/memory bicycle tyre flat', 'friend');
    const lines = friend.reply.text.split('\n');
    expect(lines[0]).toBe('*Notes closest to* “bicycle tyre flat”:');
    expect(friend.reply.text).toContain('*Events closest to* “bicycle tyre flat”:');
    const events = lines.slice(lines.indexOf('*Events closest to* “bicycle tyre flat”:') + 1);
    expect(events[0]).toMatch(/^1\. #\d+ · 2026-11-23 13:0\d · request: my bicycle tyre keeps going flat.* \(similarity [01]\.\d\d\)$/);
    expect(friend.reply.text).not.toMatch(/request: how do I bake sourdough/);
    const again = await host.say('/memory bicycle tyre flat', 'friend');
    expect(again.reply.text).toBe(friend.reply.text);
  });

  it('says so and searches by words when no embedding model can run', async () => {
    host = await startMemoryHost({ model: 'pie-brain/not-installed' });
    await history(host).catch(() => undefined);
    // Saving needs the model too (its duplicate check): the note went nowhere, the events are there.
    const { reply } = await host.say('/memory bicycle flat', 'friend');
    const lines = reply.text.split('\n');
    expect(lines[0]).toMatch(
      /^I cannot search by meaning right now \(The embedding model pie-brain\/not-installed is not installed in .*\), so I searched by words instead\.$/,
    );
    expect(reply.text).toContain('*Events mentioning* “bicycle flat”:');
    expect(reply.text).toMatch(/request: my \*bicycle\* tyre keeps going \*flat\*/);
    expect((await host.say('/memory sourdough', 'friend')).reply.text).toContain('Nothing I keep contains “sourdough”.');
  });
});
