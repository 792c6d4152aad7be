import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramAdapter } from '../../bots/telegram.js';
import type { Clock } from '../../core/lib/clock.js';
import { Runtime } from '../../core/runtime.js';
import { FakeClock } from '../fakes/clock.js';
import type { FakeMessage, FakeTelegramBotApi, FakeUser } from '../fakes/telegram.js';
import { quietLogger, tempDir, testConfig, testPaths, waitFor } from '../helpers.js';
import { FORUM, FRIEND, GROUP, OWNER, STRANGER, startTelegram } from './telegram-harness.js';

const LONG = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')} ${'z'.repeat(95)}`).join('\n\n');

describe('Telegram end to end through the runtime', () => {
  let fake: FakeTelegramBotApi;
  let adapter: TelegramAdapter;
  let runtime: Runtime;
  const dirs: Array<{ remove(): void }> = [];

  /** A real runtime (SQLite queue and outbox, engine, delivery) with the adapter pointed at the fake. */
  async function boot(clock?: Clock): Promise<void> {
    const dir = tempDir();
    dirs.push(dir);
    const config = testConfig({ access: { admins: [`telegram:${OWNER.id}`], allowedUsers: { telegram: [String(FRIEND.id)] } } });
    runtime = new Runtime({ config, paths: testPaths(dir.path), logger: quietLogger(), ...(clock ? { clock } : {}) });
    runtime.commands.register({
      name: 'secret',
      description: 'admin things',
      usage: '/secret',
      privileges: ['operate'],
      run: () => ({ text: 'the secret is 42' }),
    });
    // An instant router: whatever is not a command comes back as an echo (or a very long answer).
    runtime.setRouteHandler(async ({ message }) => ({ text: message.text === 'long please' ? LONG : `echo: ${message.text}` }));
    ({ fake, adapter } = await startTelegram({ commands: () => runtime.commands.menu(), adminIds: () => [String(OWNER.id)] }));
    runtime.addAdapter(adapter);
    await runtime.start();
  }

  /** The user writes; resolves with the bot's answers to that message once `count` arrived. */
  async function ask(
    from: FakeUser,
    text: string,
    options: { chat?: typeof GROUP; threadId?: number; count?: number } = {},
  ): Promise<FakeMessage[]> {
    const { message } = fake.userSends({ from, text, ...options });
    const chatId = (message.chat as { id: number }).id;
    const answers = (m: FakeMessage) => m.chatId === chatId && m.messageId > (message.message_id as number);
    await fake.waitForSent(options.count ?? 1, answers);
    return fake.sent().filter(answers);
  }

  afterEach(async () => {
    await runtime?.stop(1000);
    await fake?.stop();
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('answers a private message in its chat, quoting it, after showing it is typing', async () => {
    await boot();
    const [answer] = await ask(OWNER, 'hello there');
    expect(answer).toMatchObject({ chatId: OWNER.id, visible: 'echo: hello there', replyTo: 1 });
    expect(fake.calls('sendChatAction')[0]?.params).toMatchObject({ chat_id: OWNER.id, action: 'typing' });
    const [task] = runtime.queue.recent({ platform: 'telegram', chatId: String(OWNER.id) }, 5);
    expect(task?.status).toBe('done');
  });

  it('what reaches Telegram has passed the rule packs: a key in a reply arrives redacted', async () => {
    await boot();
    const [answer] = await ask(OWNER, 'my key is sk-ant-api03-Zx9Qm2Lk7Vb4Nc1Rt8Yw3Pe6Ha5Sd0Fg');
    expect(answer?.visible).toBe('echo: my key is [REDACTED: Anthropic API key]');
    expect(JSON.stringify(fake.calls('sendMessage'))).not.toContain('sk-ant-api03');
  });

  it('answers /ping and /help, and publishes the menu with admin commands for admins only', async () => {
    await boot();
    expect((await ask(OWNER, '/ping'))[0]?.visible).toBe('pong');
    const help = (await ask(OWNER, '/help'))[0]?.visible ?? '';
    expect(help).toContain('/ping');
    expect(help).toContain('/secret');
    expect((await ask(FRIEND, '/help'))[0]?.visible).not.toContain('/secret');
    const menus = fake.calls('setMyCommands').map((c) => (c.params.commands as Array<{ command: string }>).map((x) => x.command));
    expect(menus[0]).not.toContain('secret');
    expect(menus[1]).toContain('secret');
  });

  it('answers in forum topics and groups, in the thread the message came from', async () => {
    await boot();
    const [topic] = await ask(OWNER, '/ping@pie_brain_bot', { chat: FORUM, threadId: 9 });
    expect(topic).toMatchObject({ chatId: FORUM.id, threadId: 9, visible: 'pong' });
    expect(topic?.replyTo).toBeDefined();
    const [group] = await ask(FRIEND, '@pie_brain_bot what is new?', { chat: GROUP });
    expect(group).toMatchObject({ chatId: GROUP.id, visible: 'echo: what is new?' });
    expect(group?.threadId).toBeUndefined();
  });

  it('refuses a stranger once, politely, with their user id, and runs nothing', async () => {
    await boot();
    const [refusal] = await ask(STRANGER, 'hi');
    const second = fake.userSends({ from: STRANGER, text: 'hello??' });
    await fake.waitForRequest('getUpdates', (r) => r.params.offset === second.update_id + 1);
    expect(refusal?.visible).toContain(String(STRANGER.id));
    expect(refusal?.visible).toMatch(/^Sorry/);
    await runtime.delivery.stop(1000);
    expect(fake.sent(STRANGER.id)).toHaveLength(1);
    expect(runtime.queue.recent({ platform: 'telegram', chatId: String(STRANGER.id) }, 5)).toEqual([]);
  });

  it('refuses an admin-only command to a non-admin and runs it for an admin', async () => {
    await boot();
    expect((await ask(FRIEND, '/secret'))[0]?.visible).toMatch(/^Sorry, \/secret needs the right to operate pie-brain/);
    expect((await ask(OWNER, '/secret'))[0]?.visible).toBe('the secret is 42');
  });

  it('handles emoji with zero-width characters, invisible-only text and empty commands', async () => {
    await boot();
    expect((await ask(OWNER, '😀🎉\u200B\u200D'))[0]?.visible).toBe('echo: 😀🎉\u200B\u200D');
    expect((await ask(OWNER, '\u200B\u2060'))[0]?.visible).toMatch(/looks empty/);
    expect((await ask(OWNER, '/'))[0]?.visible).toBe('echo: /');
    expect((await ask(OWNER, '/task'))[0]?.visible).toBe('Usage: /task <id>, for example /task 12.');
  });

  it('splits a 10,000-character answer into quoted-once parts within the limit', async () => {
    await boot();
    const parts = await ask(OWNER, 'long please', { count: 3 });
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.visible.length).toBeLessThanOrEqual(4096);
    expect(parts[0]?.replyTo).toBeDefined();
    expect(parts.slice(1).every((part) => part.replyTo === undefined)).toBe(true);
    expect(parts.map((part) => part.visible).join('\n\n')).toBe(LONG);
  });

  it('sends plain text when Telegram rejects the formatting', async () => {
    await boot();
    fake.failNext('sendMessage', {
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0',
    });
    const [help] = await ask(OWNER, '/help');
    expect(help?.parseMode).toBeUndefined();
    expect(help?.visible).toContain('*pie-brain*');
  });

  it("waits Telegram's retry_after after a 429, then delivers", async () => {
    const clock = new FakeClock();
    await boot(clock);
    fake.failNext('sendMessage', { error_code: 429, retry_after: 7 });
    const failed = runtime.bus.once('reply-failed');
    fake.userSends({ from: OWNER, text: '/ping' });
    const { outboxId, code, willRetry } = await failed;
    expect([code, willRetry]).toEqual(['RATE_LIMITED', true]);
    expect(runtime.outbox.get(outboxId)?.nextAttemptAt).toBe(clock.now() + 7000);
    await clock.advance(6999);
    expect(fake.sent()).toHaveLength(0);
    await clock.advance(1);
    await fake.waitForSent(1);
    expect(fake.sent()[0]?.visible).toBe('pong');
  });

  it('retries after two 500s and delivers once', async () => {
    const clock = new FakeClock();
    await boot(clock);
    fake.failNext('sendMessage', { error_code: 500 }, { error_code: 500 });
    const failures: Array<{ outboxId: number; code: string; willRetry: boolean }> = [];
    runtime.bus.on('reply-failed', (event) => failures.push(event));
    fake.userSends({ from: OWNER, text: '/ping' });
    for (let n = 1; n <= 2; n += 1) {
      await waitFor(() => failures.length >= n, 5000, `failure ${n}`);
      const retryAt = runtime.outbox.get(failures[n - 1]?.outboxId ?? 0)?.nextAttemptAt ?? 0;
      expect(retryAt).toBeGreaterThan(clock.now());
      await clock.advance(retryAt - clock.now());
    }
    await fake.waitForSent(1);
    expect(failures.map((f) => `${f.code}:${f.willRetry}`)).toEqual(['PLATFORM_UNAVAILABLE:true', 'PLATFORM_UNAVAILABLE:true']);
    expect(fake.calls('sendMessage').map((c) => c.status)).toEqual([500, 500, 200]);
    expect(fake.sent().map((m) => m.visible)).toEqual(['pong']);
  });

  it('posts an admin alert as a direct message to the admin', async () => {
    await boot();
    runtime.alerts.notify('disk-low', 'disk almost full');
    const [alert] = await fake.waitForSent(1, (m) => m.chatId === OWNER.id);
    expect(alert?.visible).toContain('disk almost full');
  });
});
