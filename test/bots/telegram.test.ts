import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../bots/telegram.js';
import type { Intake, IntakeResult } from '../../core/contracts/chat-adapter.js';
import type { InboundMessage } from '../../core/contracts/messages.js';
import { isPieBrainError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { describeChatAdapterContract } from '../contracts/chat-adapter.js';
import { FakeClock } from '../fakes/clock.js';
import { RecordingIntake } from '../fakes/recording-intake.js';
import type { FakeTelegramBotApi } from '../fakes/telegram.js';
import { quietLogger, tempDir, waitFor } from '../helpers.js';
import { FORUM, GROUP, OWNER, startTelegram } from './telegram-harness.js';

describeChatAdapterContract('telegram', async () => {
  const { fake, adapter } = await startTelegram();
  return {
    adapter,
    replyAddress: { platform: 'telegram', chatId: String(FORUM.id), threadId: '9' },
    userSays: async (text) => {
      fake.userSends({ from: OWNER, chat: FORUM, text, threadId: 9 });
    },
    delivered: async () =>
      fake.sent().map((m) => ({ chatId: String(m.chatId), ...(m.threadId ? { threadId: String(m.threadId) } : {}), text: m.visible })),
    close: () => fake.stop(),
  };
});

/** An intake whose submit the test controls: fail, or hold until released. */
class ScriptedIntake implements Intake {
  readonly calls: InboundMessage[] = [];
  failures = 0;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  letGo(): void {
    this.release?.();
    this.held = undefined;
  }

  async submit(message: InboundMessage): Promise<IntakeResult> {
    this.calls.push(message);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('disk I/O error');
    }
    if (this.held) await this.held;
    return { status: 'queued', taskId: this.calls.length };
  }

  async whenAnswered(): Promise<void> {}
}

describe('Telegram adapter', () => {
  let fake: FakeTelegramBotApi;
  let adapter: TelegramAdapter;
  const dir = tempDir();

  async function open(options: Parameters<typeof startTelegram>[0] = {}, intake: Intake = new RecordingIntake()): Promise<void> {
    ({ fake, adapter } = await startTelegram(options));
    await adapter.start(intake);
  }

  afterEach(async () => {
    await adapter?.stop();
    await fake?.stop();
  });

  describe('receiving', () => {
    it('keeps messages sent while it was down: deleteWebhook never drops pending updates', async () => {
      ({ fake, adapter } = await startTelegram());
      fake.userSends({ from: OWNER, text: 'sent while pie-brain was off' });
      const intake = new RecordingIntake();
      await adapter.start(intake);
      await intake.received(1);
      expect(intake.messages[0]?.text).toBe('sent while pie-brain was off');
      const deleteWebhook = fake.calls('deleteWebhook')[0];
      expect(deleteWebhook?.params.drop_pending_updates).toBe(false);
      const poll = await fake.waitForRequest('getUpdates');
      expect(poll.params.allowed_updates).toEqual(['message']);
      expect(adapter.connected()).toBe(true);
    });

    it('normalizes private, group and forum-topic messages with their address', async () => {
      const intake = new RecordingIntake();
      await open({}, intake);
      const dm = fake.userSends({ from: OWNER, text: 'hello' });
      fake.userSends({ from: OWNER, chat: GROUP, text: '@pie_brain_bot what is new?' });
      fake.userSends({ from: OWNER, chat: FORUM, threadId: 77, text: '/ping@pie_brain_bot' });
      await intake.received(3);
      const [first, second, third] = intake.messages;
      expect(first).toMatchObject({
        id: `${OWNER.id}:${dm.message.message_id}`,
        address: { platform: 'telegram', chatId: String(OWNER.id), replyTo: String(dm.message.message_id) },
        user: { id: String(OWNER.id), name: 'Ada Lovelace' },
        text: 'hello',
      });
      expect(first?.address.threadId).toBeUndefined();
      expect(second?.text).toBe('what is new?');
      expect(second?.address.chatId).toBe(String(GROUP.id));
      expect(third?.address.threadId).toBe('77');
      expect(third?.command).toEqual({ name: 'ping', args: '' });
    });

    it('ignores service messages, other bots and commands addressed to another bot', async () => {
      const intake = new RecordingIntake();
      await open({}, intake);
      fake.userSends({ from: OWNER, chat: GROUP, extra: { new_chat_members: [OWNER] } });
      fake.userSends({ from: { id: 31337, first_name: 'spam', is_bot: true }, chat: GROUP, text: 'buy now' });
      fake.userSends({ from: OWNER, chat: GROUP, text: '/help@some_other_bot' });
      fake.userSends({ from: OWNER, extra: { sticker: { file_id: 'x' } } });
      const last = fake.userSends({ from: OWNER, text: 'the last one' });
      await fake.waitForRequest('getUpdates', (r) => r.params.offset === last.update_id + 1);
      expect(intake.messages.map((m) => m.text)).toEqual(['', 'the last one']);
    });

    it('confirms an update only after intake stored it', async () => {
      const intake = new ScriptedIntake();
      intake.hold();
      await open({}, intake);
      const { update_id } = fake.userSends({ from: OWNER, text: 'keep me' });
      await waitFor(() => intake.calls.length === 1, 5000, 'the update to reach intake');
      expect(fake.confirmedOffset).toBeLessThanOrEqual(update_id);
      expect(fake.pendingUpdates()).toContain(update_id);
      intake.letGo();
      await fake.waitForRequest('getUpdates', (r) => r.params.offset === update_id + 1);
      expect(fake.pendingUpdates()).not.toContain(update_id);
    });

    it('tries a failing intake again instead of losing the update', async () => {
      const intake = new ScriptedIntake();
      intake.failures = 2;
      await open({}, intake);
      const { update_id } = fake.userSends({ from: OWNER, text: 'retry me' });
      await fake.waitForRequest('getUpdates', (r) => r.params.offset === update_id + 1);
      expect(intake.calls.map((m) => m.text)).toEqual(['retry me', 'retry me', 'retry me']);
    });

    it('leaves an update it could not store to the next start', async () => {
      const failing = new ScriptedIntake();
      failing.failures = 1000;
      await open({}, failing);
      const { update_id } = fake.userSends({ from: OWNER, text: 'survive the restart' });
      await waitFor(() => failing.calls.length >= 2, 5000, 'two failed tries');
      await adapter.stop();
      expect(fake.confirmedOffset).toBeLessThanOrEqual(update_id);
      const intake = new RecordingIntake();
      adapter = new TelegramAdapter({ token: fake.token, apiRoot: fake.url, logger: quietLogger() });
      await adapter.start(intake);
      await intake.received(1);
      expect(intake.messages[0]?.text).toBe('survive the restart');
    });

    it('starts without Telegram and connects once it is reachable (a Pi booting offline)', async () => {
      ({ fake, adapter } = await startTelegram({ startTimeoutMs: 1 }));
      fake.failNext('getMe', { error_code: 502 }, { error_code: 502 }, { error_code: 502 });
      const intake = new RecordingIntake();
      await adapter.start(intake);
      fake.userSends({ from: OWNER, text: 'are you up?' });
      await intake.received(1);
      expect(fake.calls('getMe').map((c) => c.status)).toEqual([502, 502, 502, 200]);
      expect(adapter.connected()).toBe(true);
    });

    it('stops polling when Telegram revokes the token while running', async () => {
      await open();
      fake.failNext('getUpdates', { error_code: 401 });
      fake.userSends({ from: OWNER, text: 'wake the poll' });
      await fake.waitForRequest('getUpdates', (r) => r.status === 401);
      await waitFor(() => !adapter.connected(), 5000, 'the poller to stop');
      const polls = fake.calls('getUpdates').length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fake.calls('getUpdates')).toHaveLength(polls);
    });

    it('fails start-up loudly on a token Telegram refuses', async () => {
      ({ fake } = await startTelegram());
      adapter = new TelegramAdapter({ token: '999:wrong', apiRoot: fake.url, logger: quietLogger() });
      const failure = await adapter.start(new RecordingIntake()).catch((error: unknown) => error);
      expect(isPieBrainError(failure) && failure.code).toBe('CONFIG_INVALID');
      expect(String((failure as Error).message)).not.toContain('999:wrong');
    });
  });

  describe('sending', () => {
    const ADDRESS = { platform: 'telegram', chatId: String(FORUM.id), threadId: '9' };

    it('quotes the message it answers, in its forum topic, rendered as HTML', async () => {
      await open();
      const asked = fake.userSends({ from: OWNER, chat: FORUM, threadId: 9, text: 'question' });
      const replyTo = String(asked.message.message_id);
      const { messageId } = await adapter.send(
        { ...ADDRESS, replyTo },
        { text: '**Done**: see `a<b>` & [docs](https://example.org/x?a=1&b=2)' },
      );
      const [sent] = fake.sent(FORUM.id);
      expect(messageId).toBe(String(sent?.messageId));
      expect(sent).toMatchObject({ threadId: 9, replyTo: Number(replyTo), parseMode: 'HTML', visible: 'Done: see a<b> & docs' });
      expect(sent?.text).toBe('<b>Done</b>: see <code>a&lt;b&gt;</code> &amp; <a href="https://example.org/x?a=1&amp;b=2">docs</a>');
    });

    it('sends direct messages (dm:<userId>) to the private chat with that user', async () => {
      await open();
      await adapter.send({ platform: 'telegram', chatId: `dm:${OWNER.id}` }, { text: 'budget at 80%' });
      expect(fake.sent(OWNER.id).map((m) => m.visible)).toEqual(['budget at 80%']);
      expect(fake.calls('sendMessage')[0]?.params.chat_id).toBe(OWNER.id);
    });

    it('falls back to plain text when Telegram cannot parse the entities', async () => {
      await open();
      fake.failNext('sendMessage', {
        error_code: 400,
        description: "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 3",
      });
      await adapter.send(ADDRESS, { text: 'a *bold* claim' });
      const calls = fake.calls('sendMessage');
      expect(calls.map((c) => c.params.parse_mode)).toEqual(['HTML', undefined]);
      expect(fake.sent().map((m) => m.visible)).toEqual(['a *bold* claim']);
    });

    it('maps 429, 5xx, other 4xx and network failures to the codes the outbox retries by', async () => {
      await open();
      fake.failNext('sendMessage', { error_code: 429, retry_after: 3 }, { error_code: 502 }, { error_code: 403 });
      const errors: unknown[] = [];
      for (let i = 0; i < 3; i += 1) errors.push(await adapter.send(ADDRESS, { text: 'hi' }).catch((error: unknown) => error));
      await fake.stop();
      errors.push(await adapter.send(ADDRESS, { text: 'hi' }).catch((error: unknown) => error));
      expect(errors.map((e) => (isPieBrainError(e) ? [e.code, e.retryAfterMs] : e))).toEqual([
        ['RATE_LIMITED', 3000],
        ['PLATFORM_UNAVAILABLE', undefined],
        ['PLATFORM_REJECTED', undefined],
        ['PLATFORM_UNAVAILABLE', undefined],
      ]);
      for (const error of errors) expect((error as Error).message).not.toContain(fake.token);
    });

    it('quotes the user message in the first part of a reply only (delivery sends the parts one by one)', async () => {
      await open();
      await adapter.send({ ...ADDRESS, replyTo: '5' }, { text: 'one' }, { index: 0, total: 2 });
      await adapter.send({ ...ADDRESS, replyTo: '5' }, { text: 'two' }, { index: 1, total: 2 });
      const calls = fake.calls('sendMessage');
      expect(calls[0]?.params.reply_parameters).toMatchObject({ message_id: 5 });
      expect(calls[1]?.params.reply_parameters).toBeUndefined();
      expect(fake.sent().map((m) => m.visible)).toEqual(['one', 'two']);
    });

    it('sends images with sendPhoto as a multipart upload', async () => {
      await open();
      const image = join(dir.path, 'chart.png');
      writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]));
      await adapter.send({ ...ADDRESS, replyTo: '1' }, { text: '', attachments: [{ kind: 'image', path: image, caption: 'the _chart_' }] });
      const [photo] = fake.calls('sendPhoto');
      expect(photo?.files[0]).toMatchObject({ filename: 'chart.png' });
      expect(photo?.files[0]?.data.length).toBe(8);
      expect(fake.sent()[0]).toMatchObject({ threadId: 9, visible: 'the chart', photo: { bytes: 8 } });
      const missing = await adapter
        .send(ADDRESS, { text: 'x', attachments: [{ kind: 'image', path: join(dir.path, 'gone.png') }] })
        .catch((e: unknown) => e);
      expect(isPieBrainError(missing) && missing.code).toBe('PLATFORM_REJECTED');
    });

    it('edits a progress message, and treats an unchanged edit as done', async () => {
      await open();
      const { messageId } = await adapter.send(ADDRESS, { text: 'working… 10%' });
      await adapter.edit(ADDRESS, messageId, { text: 'working… *50%*' });
      await adapter.edit(ADDRESS, messageId, { text: 'working… *50%*' });
      expect(fake.sent()).toHaveLength(1);
      expect(fake.sent()[0]?.visible).toBe('working… 50%');
      expect(fake.calls('editMessageText').map((c) => c.status)).toEqual([200, 400]);
    });

    it('shows a typing indicator in the topic', async () => {
      await open();
      await adapter.typing(ADDRESS);
      const [action] = fake.calls('sendChatAction');
      expect(action?.params).toMatchObject({ chat_id: FORUM.id, action: 'typing', message_thread_id: 9 });
    });

    it('keeps the typing indicator up while the task runs, until the reply is sent', async () => {
      const clock = new FakeClock();
      await open({ clock });
      await adapter.typing(ADDRESS);
      await clock.advance(4500);
      await fake.waitForRequest('sendChatAction', () => fake.calls('sendChatAction').length === 2);
      await adapter.send(ADDRESS, { text: 'done' });
      await clock.advance(60_000);
      expect(fake.calls('sendChatAction')).toHaveLength(2);
    });

    it('publishes the command menu, admin commands only to admins', async () => {
      await open({
        commands: () => [
          { name: 'ping', description: 'check that I am alive' },
          { name: 'cost', description: 'spending', adminOnly: true },
          { name: 'not-valid', description: 'Telegram refuses dashes' },
        ],
        adminIds: () => [String(OWNER.id)],
      });
      const menus = fake
        .calls('setMyCommands')
        .map((c) => ({ scope: c.params.scope, names: (c.params.commands as Array<{ command: string }>).map((x) => x.command) }));
      expect(menus).toEqual([
        { scope: undefined, names: ['ping'] },
        { scope: { type: 'chat', chat_id: OWNER.id }, names: ['ping', 'cost'] },
      ]);
    });
  });

  it('keeps the bot token out of the log and out of errors, whatever fails', async () => {
    let log = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString('utf8');
        done();
      },
    });
    // No secrets list: the adapter itself must not hand the token to the logger (the list is a second net).
    const logger = await createLogger({ level: 'debug', stream });
    const intake = new ScriptedIntake();
    intake.failures = 1;
    ({ fake, adapter } = await startTelegram({ logger }));
    fake.failNext('getUpdates', { error_code: 500 }, { error_code: 429, retry_after: 0 });
    await adapter.start(intake);
    fake.userSends({ from: OWNER, text: 'provoke' });
    await waitFor(() => intake.calls.length >= 2, 5000, 'the intake retry');
    const thrown: unknown[] = [];
    fake.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found' }, { error_code: 500 });
    for (let i = 0; i < 2; i += 1)
      thrown.push(await adapter.send({ platform: 'telegram', chatId: '1' }, { text: 'x' }).catch((e: unknown) => e));
    await fake.stop();
    thrown.push(await adapter.send({ platform: 'telegram', chatId: '1' }, { text: 'x' }).catch((e: unknown) => e));
    for (const error of thrown) logger.error({ err: error }, 'sending a reply failed');
    await waitFor(() => log.includes('ECONNREFUSED'), 5000, 'a network error in the log');
    if (process.env.SHOW_LOG) console.log(log);
    expect(log).toContain('getUpdates failed');
    expect(log).toContain('[TOKEN]');
    expect(log).not.toContain(fake.token);
    expect(log).not.toContain(fake.token.split(':')[1]);
  });
});
