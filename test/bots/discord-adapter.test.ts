import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordAdapter } from '../../bots/discord.js';
import { encodeInteraction, joinOptions } from '../../bots/discord-wire.js';
import type { Address } from '../../core/contracts/messages.js';
import { FakeClock } from '../fakes/clock.js';
import { standardMenu } from '../fakes/command-menu.js';
import { type FakeDiscord, snowflake } from '../fakes/discord.js';
import { RecordingIntake } from '../fakes/recording-intake.js';
import { quietLogger, tempDir } from '../helpers.js';
import { createDiscord, TOKEN } from './discord-harness.js';

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Parameters<typeof createDiscord>[0] = {}, start = true) {
  const { fake, adapter } = await createDiscord(options);
  const intake = new RecordingIntake();
  cleanups.push(
    () => fake.stop(),
    () => adapter.stop(),
  );
  if (start) await adapter.start(intake);
  return { fake, adapter, intake };
}

function channelAddress(fake: FakeDiscord, extra: Partial<Address> = {}): Address {
  return { platform: 'discord', chatId: fake.general.id, ...extra };
}

describe('Discord adapter: connecting', () => {
  it('identifies with the token and no privileged intent, and registers the slash commands globally', async () => {
    const { fake, adapter } = await setup({ guildId: null });
    expect(adapter.connected()).toBe(true);
    expect(fake.identifies[0]).toMatchObject({ token: TOKEN });
    const intents = (fake.identifies[0] as { intents: number }).intents;
    expect(intents & (1 << 15)).toBe(0); // MessageContent: mentions and DMs carry their text without it
    const put = await fake.waitForRequest((r) => r.method === 'PUT');
    expect(put.path).toBe(`/applications/${fake.applicationId}/commands`);
    const names = (put.body as Array<{ name: string }>).map((c) => c.name);
    expect(names).toEqual(standardMenu().map((entry) => entry.name));
    expect(names).toEqual(expect.arrayContaining(['ask', 'arxiv', 'memory', 'run', 'git', 'task', 'cancel', 'help', 'ping']));
    const task = (put.body as Array<{ name: string; options: unknown[] }>).find((c) => c.name === 'task');
    expect(task?.options).toEqual([{ type: 4, name: 'id', description: 'the task number', required: true }]);
  });

  it('registers the slash commands in one guild when a guild id is configured', async () => {
    const { fake } = await setup({ guildId: '123456789012345678' });
    const put = await fake.waitForRequest((r) => r.method === 'PUT');
    expect(put.path).toBe(`/applications/${fake.applicationId}/guilds/123456789012345678/commands`);
    expect(put.body).toHaveLength(standardMenu().length);
  });

  it('fails start-up clearly when Discord refuses the token', async () => {
    const { fake, adapter } = await setup({}, false);
    fake.script({ path: /^\/gateway\/bot$/, status: 401 });
    await expect(adapter.start(new RecordingIntake())).rejects.toMatchObject({ code: 'PLATFORM_REJECTED' });
  });

  it('keeps trying with backoff while Discord is unreachable, without blocking start-up', async () => {
    const clock = new FakeClock(Date.now());
    const { fake, adapter } = await setup({ clock }, false);
    fake.script({ path: /^\/gateway\/bot$/, status: 500 });
    await adapter.start(new RecordingIntake());
    expect(adapter.connected()).toBe(false);
    await clock.advance(5000);
    await fake.whenIdentified();
    await expect.poll(() => adapter.connected()).toBe(true);
  });

  it('resumes after the gateway connection drops and keeps receiving', async () => {
    const { fake, adapter, intake } = await setup();
    await fake.dropGateway();
    await expect.poll(() => adapter.connected()).toBe(true);
    fake.userMentionsBot('still there?');
    await intake.received(1);
    expect(intake.messages[0]?.text).toBe('still there?');
    expect(fake.identifies).toHaveLength(1);
  });

  it('turns mentions, DMs and slash commands into messages, and skips bots and unmentioned chatter', async () => {
    const { fake, intake } = await setup();
    fake.userWrites('nobody called me');
    fake.userWrites(`<@${fake.bot.id}> from a bot`, { author: { ...fake.friend, bot: true }, mentions: [fake.bot] });
    fake.userMentionsBot('  hey   <@!x> there ');
    fake.userWrites(`<@&${fake.guildId}> everyone's role is not me`, { mentionRoles: [fake.guildId] });
    fake.userWrites(`<@&${fake.botRoleId}> via my role`, { mentionRoles: [fake.botRoleId] });
    fake.userRunsCommand('arxiv', { query: 'diffusion models' }, { channel: fake.thread });
    await intake.received(3);
    expect(intake.messages.map((m) => m.text)).toEqual(['hey <@!x> there', 'via my role', '/arxiv diffusion models']);
    expect(intake.messages[2]).toMatchObject({
      command: { name: 'arxiv', args: 'diffusion models' },
      address: { chatId: fake.general.id, threadId: fake.thread.id },
      user: { id: fake.owner.id, name: 'Owner' },
    });
    expect(intake.messages[2]?.address.replyTo).toMatch(/^interaction:\d+:\d+:tok-/);
  });

  it('joins slash-command options (and subcommands) into one argument string', () => {
    const options = [
      {
        name: 'sub',
        type: 1,
        options: [
          { name: 'a', type: 3, value: ' x ' },
          { name: 'b', type: 4, value: 12 },
        ],
      },
    ];
    expect(joinOptions(options as never)).toBe('sub x 12');
    expect(joinOptions([])).toBe('');
    // In the order the command declares, whatever order the user filled them in.
    const filled = [
      { name: 'code', type: 3, value: 'print(1)' },
      { name: 'language', type: 3, value: 'python' },
    ];
    expect(joinOptions(filled as never, ['language', 'code'])).toBe('python print(1)');
  });
});

describe('Discord adapter: answering', () => {
  it('opens a direct message for a dm:<userId> address once, then reuses it', async () => {
    const { fake, adapter } = await setup({}, false);
    await adapter.send({ platform: 'discord', chatId: `dm:${fake.owner.id}` }, { text: 'alert one' });
    await adapter.send({ platform: 'discord', chatId: `dm:${fake.owner.id}` }, { text: 'alert two' });
    const dm = fake.dmChannel(fake.owner);
    expect(fake.posted.map((p) => [p.channelId, p.content])).toEqual([
      [dm.id, 'alert one'],
      [dm.id, 'alert two'],
    ]);
    expect(fake.requests.filter((r) => r.path === '/users/@me/channels')).toHaveLength(1);
  });

  it('posts in the channel when the slash command is older than its 15-minute token', async () => {
    const { fake, adapter } = await setup({}, false);
    const stale = encodeInteraction({
      applicationId: fake.applicationId,
      interactionId: snowflake(Date.now() - 20 * 60_000),
      token: 'gone',
    });
    await adapter.send(channelAddress(fake, { threadId: fake.thread.id, replyTo: stale }), { text: 'late answer' });
    expect(fake.posted).toMatchObject([{ via: 'channel', channelId: fake.thread.id, content: 'late answer' }]);
    expect(fake.posted[0]?.reference).toBeUndefined();
    expect(fake.requests.some((r) => r.path.startsWith('/webhooks'))).toBe(false);
  });

  it('posts in the channel when the slash command could not be deferred', async () => {
    const { fake, adapter, intake } = await setup();
    fake.script({ path: /\/callback$/, status: 500 });
    fake.userRunsCommand('task', { id: '3' });
    await intake.received(1);
    await adapter.send(intake.messages[0]?.address as Address, { text: 'answer anyway' });
    expect(fake.posted).toMatchObject([{ via: 'channel', channelId: fake.general.id, content: 'answer anyway' }]);
  });

  it('after a restart, uses the placeholder if Discord still shows it as loading, then follows up', async () => {
    const first = await setup();
    const { token } = first.fake.userRunsCommand('task', { id: '4' });
    await first.intake.received(1);
    await first.fake.waitForRequest((r) => r.path.endsWith('/callback'));
    const address = first.intake.messages[0]?.address as Address;
    await first.adapter.stop();
    const restarted = new DiscordAdapter({ token: TOKEN, apiUrl: first.fake.url, logger: quietLogger() });
    cleanups.push(() => restarted.stop());
    await restarted.send(address, { text: 'progress' });
    await restarted.send(address, { text: 'final' });
    expect(first.fake.posted.map((p) => [p.via, p.content, p.interactionToken])).toEqual([
      ['original', 'progress', token],
      ['followup', 'final', token],
    ]);
  });

  it('after a restart, follows up when the placeholder was already answered', async () => {
    const first = await setup();
    first.fake.userRunsCommand('task', { id: '5' });
    await first.intake.received(1);
    const address = first.intake.messages[0]?.address as Address;
    await first.adapter.send(address, { text: 'before the crash' });
    await first.adapter.stop();
    const restarted = new DiscordAdapter({ token: TOKEN, apiUrl: first.fake.url, logger: quietLogger() });
    cleanups.push(() => restarted.stop());
    await restarted.send(address, { text: 'after the crash' });
    expect(first.fake.posted.map((p) => [p.via, p.content])).toEqual([
      ['original', 'before the crash'],
      ['followup', 'after the crash'],
    ]);
  });

  it('sends images as attachments with their captions, and says so when a file is missing', async () => {
    const { fake, adapter } = await setup({}, false);
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const image = join(dir.path, 'chart.png');
    writeFileSync(image, Buffer.from('89504e470d0a1a0a', 'hex'));
    await adapter.send(channelAddress(fake), {
      text: 'here it is',
      attachments: [
        { kind: 'image', path: image, caption: 'a chart' },
        { kind: 'image', path: join(dir.path, 'lost.png') },
      ],
    });
    const post = await fake.waitForRequest((r) => r.path.endsWith('/messages'));
    expect(post.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(post.files).toMatchObject([{ filename: 'chart.png', size: 8 }]);
    expect(post.body).toMatchObject({ content: 'here it is\n[image missing: lost.png]', attachments: [{ id: 0, description: 'a chart' }] });
  });

  it('edits a message in place', async () => {
    const { fake, adapter } = await setup({}, false);
    const address = channelAddress(fake, { threadId: fake.thread.id });
    const { messageId } = await adapter.send(address, { text: 'working…' });
    await adapter.edit(address, messageId, { text: 'done' });
    expect(fake.posted[0]?.content).toBe('done');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /channels/${fake.thread.id}/messages`,
      `PATCH /channels/${fake.thread.id}/messages/${messageId}`,
    ]);
  });

  it('shows typing only when the answer takes longer than a second', async () => {
    const clock = new FakeClock(Date.now());
    const { fake, adapter } = await setup({ clock }, false);
    const address = channelAddress(fake, { threadId: fake.thread.id });
    await adapter.typing(address);
    await clock.advance(500);
    await adapter.send(address, { text: 'quick' });
    await clock.advance(5000);
    await adapter.typing(address);
    await clock.advance(1000);
    await fake.waitForRequest((r) => r.path.endsWith('/typing'));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /channels/${fake.thread.id}/messages`,
      `POST /channels/${fake.thread.id}/typing`,
    ]);
  });
});

describe('Discord adapter: errors', () => {
  it('maps a long 429 to RATE_LIMITED with the wait, without waiting inside discord.js', async () => {
    const { fake, adapter } = await setup({}, false);
    fake.script({ path: /\/messages$/, status: 429, retryAfter: 30 });
    const error = await adapter.send(channelAddress(fake), { text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED' });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(30_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('maps a 429 without headers to RATE_LIMITED too', async () => {
    const { fake, adapter } = await setup({}, false);
    fake.script({ path: /\/messages$/, status: 429, retryAfter: 1, header: false });
    await expect(adapter.send(channelAddress(fake), { text: 'x' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('maps 5xx, timeouts and refused connections to PLATFORM_UNAVAILABLE and other 4xx to PLATFORM_REJECTED', async () => {
    const { fake, adapter } = await setup({ requestTimeoutMs: 300 }, false);
    fake.script({ path: /\/messages$/, status: 503 });
    await expect(adapter.send(channelAddress(fake), { text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_UNAVAILABLE' });
    fake.script({ path: /\/messages$/, status: 403 });
    await expect(adapter.send(channelAddress(fake), { text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_REJECTED' });
    fake.script({ path: /\/messages$/, delayMs: 2000 });
    await expect(adapter.send(channelAddress(fake), { text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_UNAVAILABLE' });
    await expect(adapter.send({ platform: 'discord', chatId: '1' }, { text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_REJECTED' });
    const url = fake.url;
    await fake.stop();
    const offline = new DiscordAdapter({ token: TOKEN, apiUrl: url, logger: quietLogger(), requestTimeoutMs: 1000 });
    cleanups.push(() => offline.stop());
    await expect(offline.send(channelAddress(fake), { text: 'x' })).rejects.toMatchObject({ code: 'PLATFORM_UNAVAILABLE' });
  });

  it('never puts the token or an interaction token in an error message', async () => {
    const { fake, adapter, intake } = await setup();
    const { token } = fake.userRunsCommand('task', { id: '6' });
    await intake.received(1);
    await fake.waitForRequest((r) => r.path.endsWith('/callback'));
    fake.script({ path: /@original$/, status: 400 });
    const error = (await adapter.send(intake.messages[0]?.address as Address, { text: 'x' }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'PLATFORM_REJECTED' });
    expect(`${error.message} ${String(error.cause ?? '')}`).not.toContain(token);
    expect(error.message).not.toContain(TOKEN);
  });
});
