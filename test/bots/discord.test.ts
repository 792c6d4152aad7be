import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordAdapter } from '../../bots/discord.js';
import type { Reply } from '../../core/contracts/messages.js';
import type { EventMap } from '../../core/engine/events.js';
import { Runtime } from '../../core/runtime.js';
import { describeChatAdapterContract } from '../contracts/chat-adapter.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { quietLogger, tempDir, testConfig, testPaths, waitFor } from '../helpers.js';
import { createDiscord, discordHarness, TOKEN, userSays } from './discord-harness.js';

describeChatAdapterContract('discord', discordHarness);

describe('Discord end to end through the runtime', () => {
  let fake: FakeDiscord;
  let adapter: DiscordAdapter;
  let runtime: Runtime;
  let dir: ReturnType<typeof tempDir>;
  let routed: string[];
  let route: (text: string) => Reply | Promise<Reply>;
  const failures: Array<EventMap['reply-failed']> = [];

  beforeEach(async () => {
    ({ fake, adapter } = await createDiscord({ guildId: null, typingDelayMs: 20 }));
    dir = tempDir();
    const config = testConfig({
      access: { admins: [`discord:${fake.owner.id}`], allowedUsers: { discord: [fake.friend.id] } },
      delivery: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    runtime = new Runtime({ config, paths: testPaths(dir.path), logger: quietLogger() });
    routed = [];
    route = (text) => ({ text: `echo: ${text}` });
    runtime.setRouteHandler(async (ctx) => {
      routed.push(ctx.message.text);
      return route(ctx.message.text);
    });
    failures.length = 0;
    runtime.bus.on('reply-failed', (event) => failures.push(event));
    runtime.addAdapter(adapter);
    await runtime.start();
  });

  afterEach(async () => {
    await runtime.stop(1000);
    await fake.stop();
    dir.remove();
  });

  const channelPosts = (channelId: string) => fake.posted.filter((p) => p.via === 'channel' && p.channelId === channelId);

  it('answers a mention in its channel, as a reply to that message, showing typing while it works', async () => {
    route = async (text) => {
      await fake.waitForRequest((r) => r.path === `/channels/${fake.general.id}/typing`);
      return { text: `echo: ${text}` };
    };
    const messageId = fake.userMentionsBot('what is up?');
    const [posted] = await fake.waitForPosted(1);
    expect(posted).toMatchObject({ via: 'channel', channelId: fake.general.id, content: 'echo: what is up?', reference: messageId });
    expect(routed).toEqual(['what is up?']);
    const post = await fake.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${fake.general.id}/messages`);
    expect(post.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(post.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('keeps the answer in the thread the mention came from', async () => {
    const messageId = fake.userMentionsBot('inside a thread', { channel: fake.thread });
    const [posted] = await fake.waitForPosted(1);
    expect(posted).toMatchObject({ channelId: fake.thread.id, content: 'echo: inside a thread', reference: messageId });
    expect(channelPosts(fake.general.id)).toEqual([]);
  });

  it('treats a direct message as chat, without any mention', async () => {
    const dm = fake.dmChannel(fake.friend);
    fake.userWrites('hello in private', { channel: dm, author: fake.friend });
    const [posted] = await fake.waitForPosted(1);
    expect(posted).toMatchObject({ channelId: dm.id, content: 'echo: hello in private' });
  });

  it('ignores guild messages that do not mention the bot', async () => {
    fake.userWrites('just people talking');
    fake.userMentionsBot('now me');
    await fake.waitForPosted(1);
    expect(routed).toEqual(['now me']);
  });

  it('defers a slash command and answers it by editing the placeholder', async () => {
    const { id, token } = fake.userRunsCommand('ask', { question: 'ping?' });
    const [posted] = await fake.waitForPosted(1);
    const callback = await fake.waitForRequest((r) => r.path === `/interactions/${id}/${token}/callback`);
    expect(callback.body).toMatchObject({ type: 5 });
    expect(callback.headers.authorization).toBeUndefined();
    expect(posted).toMatchObject({ via: 'original', interactionToken: token, content: 'echo: ping?', channelId: fake.general.id });
    const edit = fake.requests.find((r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`));
    expect(edit?.headers.authorization).toBeUndefined();
    expect(fake.original(token)?.flags).toBe(0);
    expect(fake.requests.some((r) => r.path.endsWith('/typing'))).toBe(false);
  });

  it('answers a slash command used in a direct message in that DM', async () => {
    const dm = fake.dmChannel(fake.friend);
    const { token } = fake.userRunsCommand('ask', { question: 'privately' }, { channel: dm, author: fake.friend });
    const [posted] = await fake.waitForPosted(1);
    expect(posted).toMatchObject({ via: 'original', interactionToken: token, channelId: dm.id, content: 'echo: privately' });
  });

  it('runs /task as a command, answered in the thread the command came from', async () => {
    fake.userMentionsBot('first task');
    await fake.waitForPosted(1);
    const { token } = fake.userRunsCommand('task', { id: '1' }, { channel: fake.thread });
    const posted = await fake.waitForPosted(2);
    expect(posted[1]).toMatchObject({ via: 'original', interactionToken: token, channelId: fake.thread.id });
    expect(posted[1]?.content).toContain('*Task 1*: done');
    expect(routed).toEqual(['first task']);
  });

  it('refuses a stranger once, politely, with their id, and runs nothing', async () => {
    const queued: number[] = [];
    runtime.bus.on('task-queued', ({ taskId }) => queued.push(taskId));
    fake.userMentionsBot('let me in', { author: fake.stranger });
    const [refusal] = await fake.waitForPosted(1);
    expect(refusal?.content).toContain(fake.stranger.id);
    expect(refusal?.content).toMatch(/^Sorry/);
    fake.userRunsCommand('ask', { question: 'please?' }, { author: fake.stranger });
    await fake.waitForRequest((r) => r.path.endsWith('/callback'));
    fake.userMentionsBot('still me', { author: fake.owner });
    await fake.waitForPosted(2);
    await waitFor(() => fake.posted.length >= 2 && routed.length === 1, 5000, 'the owner answered');
    expect(fake.posted.filter((p) => p.content.includes(fake.stranger.id))).toHaveLength(1);
    expect(routed).toEqual(['still me']);
    expect(queued).toHaveLength(1);
  });

  it('refuses an admin-only command to a non-admin and runs it for an admin', async () => {
    let runs = 0;
    runtime.commands.register({
      name: 'secret',
      description: 'admins only',
      usage: '/secret',
      privileges: ['operate'],
      run: () => {
        runs += 1;
        return { text: 'classified' };
      },
    });
    fake.userRunsCommand('secret', {}, { author: fake.friend });
    const [refused] = await fake.waitForPosted(1);
    expect(refused?.content).toMatch(/^Sorry, \/secret needs the right to operate pie-brain/);
    expect(runs).toBe(0);
    fake.userRunsCommand('secret', {}, { author: fake.owner });
    const posted = await fake.waitForPosted(2);
    expect(posted[1]?.content).toBe('classified');
    expect(runs).toBe(1);
  });

  it('waits out a short 429 (Retry-After) inside the client, then delivers exactly once', async () => {
    fake.script({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 429, retryAfter: 0.2 });
    fake.userMentionsBot('rate me');
    const [posted] = await fake.waitForPosted(1);
    expect(posted?.content).toBe('echo: rate me');
    const attempts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${fake.general.id}/messages`);
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(fake.posted).toHaveLength(1);
  });

  it('hands a 429 it cannot wait out to the outbox, which retries, then delivers exactly once', async () => {
    fake.script({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 429, retryAfter: 0.2, header: false });
    fake.userMentionsBot('rate me again');
    const [posted] = await fake.waitForPosted(1);
    expect(posted?.content).toBe('echo: rate me again');
    const attempts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${fake.general.id}/messages`);
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(failures).toMatchObject([{ code: 'RATE_LIMITED', willRetry: true }]);
    expect(fake.posted).toHaveLength(1);
  });

  it('retries after two 500s, then delivers exactly once', async () => {
    fake.script({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 500, times: 2 });
    fake.userMentionsBot('flaky');
    const [posted] = await fake.waitForPosted(1);
    expect(posted?.content).toBe('echo: flaky');
    const attempts = fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${fake.general.id}/messages`);
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(failures.map((f) => f.code)).toEqual(['PLATFORM_UNAVAILABLE', 'PLATFORM_UNAVAILABLE']);
  });

  it('splits a 10,000-character answer to a slash command into the placeholder and follow-ups', async () => {
    const long = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')} ${'y'.repeat(95)}`).join('\n\n');
    route = () => ({ text: long });
    const { token } = fake.userRunsCommand('ask', { question: 'tell me everything' });
    await waitFor(
      () =>
        fake.posted
          .map((p) => p.content)
          .join('\n')
          .includes('099 y'),
      10_000,
      'all parts',
    );
    const parts = fake.posted.filter((p) => p.interactionToken === token);
    expect(parts[0]?.via).toBe('original');
    expect(parts.slice(1).every((p) => p.via === 'followup')).toBe(true);
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const part of parts) expect(part.content.length).toBeLessThanOrEqual(2000);
    const joined = parts.map((p) => p.content).join('\n');
    const positions = Array.from({ length: 100 }, (_, i) => joined.indexOf(`${String(i).padStart(3, '0')} y`));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('answers emoji and zero-width text, and calls a message of only invisible characters empty', async () => {
    const dm = fake.dmChannel(fake.owner);
    fake.userWrites('🥧\u200d🧠 \u200b🎉', { channel: dm });
    const [answered] = await fake.waitForPosted(1);
    expect(answered?.content).toBe('echo: 🥧\u200d🧠 \u200b🎉');
    fake.userWrites('\u200b\u200c\u2060\ufeff', { channel: dm });
    const posted = await fake.waitForPosted(2);
    expect(posted[1]?.content).toMatch(/looks empty/);
    fake.userMentionsBot('\u200b');
    const third = await fake.waitForPosted(3);
    expect(third[2]?.content).toMatch(/looks empty/);
    expect(routed).toHaveLength(1);
  });

  it('answers empty slash commands with their usage instead of running anything', async () => {
    const ask = fake.userRunsCommand('ask');
    const [empty] = await fake.waitForPosted(1);
    expect(empty).toMatchObject({ via: 'original', interactionToken: ask.token });
    expect(empty?.content).toMatch(/^Usage: `\/ask <question>`/);
    userSays(fake, '/task');
    const posted = await fake.waitForPosted(2);
    expect(posted[1]?.content).toMatch(/^Usage: `\/task <id>`/);
    expect(routed).toEqual([]);
  });
});
