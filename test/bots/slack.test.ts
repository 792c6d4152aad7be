import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, SlackAdapter, type SlackAdapterOptions } from '../../bots/slack.js';
import { ConfigError } from '../../core/config.js';
import { isPieBrainError, type PieBrainError } from '../../core/errors.js';
import { describeChatAdapterContract } from '../contracts/chat-adapter.js';
import { RecordingIntake } from '../fakes/recording-intake.js';
import { FakeSlack } from '../fakes/slack.js';
import { postSignedCommand, postSignedEvent } from '../fakes/slack-signed.js';
import { quietLogger, tempDir, testConfig, waitFor } from '../helpers.js';

function slackAdapter(fake: FakeSlack, overrides: Partial<SlackAdapterOptions> = {}): SlackAdapter {
  return new SlackAdapter({
    botToken: fake.botToken,
    appToken: fake.appToken,
    signingSecret: fake.signingSecret,
    mode: 'socket',
    apiUrl: fake.apiUrl,
    logger: quietLogger(),
    retryConfig: { retries: 0 },
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<PieBrainError> {
  try {
    await promise;
  } catch (error) {
    if (isPieBrainError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describeChatAdapterContract('slack (Socket Mode)', async () => {
  const fake = new FakeSlack();
  await fake.start();
  return {
    adapter: slackAdapter(fake),
    replyAddress: { platform: 'slack', chatId: 'CGENERAL', threadId: '1700000000.000100' },
    userSays: async (text) => {
      const command = /^(\/\S+)\s*(.*)$/s.exec(text);
      if (command) await fake.sendSlashCommand(fake.commandPayload(command[1] ?? '', command[2] ?? ''));
      else
        await fake.sendEvent(
          fake.eventPayload({ type: 'message', channel_type: 'im', channel: 'DOWNER', user: 'UOWNER', text, ts: fake.ts() }),
        );
    },
    delivered: async () => fake.messages.map((m) => ({ chatId: m.channel, threadId: m.threadTs, text: m.text })),
    close: () => fake.stop(),
  };
});

describe('SlackAdapter (Socket Mode)', () => {
  let fake: FakeSlack;
  let adapter: SlackAdapter;
  let intake: RecordingIntake;

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    adapter = slackAdapter(fake);
    intake = new RecordingIntake();
    await adapter.start(intake);
  });

  afterEach(async () => {
    await adapter.stop();
    await fake.stop();
  });

  it('lets an idle socket sleep: no client ping every 1.7 s (the SDK default), one each 30 s at most', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(adapter.connected()).toBe(true);
    expect(fake.clientPings).toBe(0);
  });

  it('connects with the app token and checks the bot token', () => {
    expect(adapter.connected()).toBe(true);
    expect(fake.calls('apps.connections.open')[0]?.token).toBe(fake.appToken);
    expect(fake.calls('auth.test')[0]?.token).toBe(fake.botToken);
  });

  it('takes a DM as chat in its channel, decoding Slack entities', async () => {
    const ts = fake.ts();
    const text = 'look at <https://arxiv.org/abs/1|this paper> &amp; tell <@UFRIEND|ann> in <#CDEV|dev>';
    await fake.sendEvent(fake.eventPayload({ type: 'message', channel_type: 'im', channel: 'DOWNER', user: 'UOWNER', text, ts }));
    await intake.received(1);
    const [message] = intake.messages;
    expect(message?.id).toBe(`DOWNER:${ts}`);
    expect(message?.address).toEqual({ platform: 'slack', chatId: 'DOWNER', replyTo: ts });
    expect(message?.user.id).toBe('UOWNER');
    expect(message?.text).toBe('look at this paper (https://arxiv.org/abs/1) & tell @ann in #dev');
  });

  it('takes a mention as chat answered in its thread, without the mention', async () => {
    const ts = fake.ts();
    await fake.sendEvent(
      fake.eventPayload({ type: 'app_mention', channel: 'CGENERAL', user: 'UOWNER', text: `<@${fake.botUserId}> summarize this`, ts }),
    );
    const inThread = fake.ts();
    await fake.sendEvent(
      fake.eventPayload({
        type: 'app_mention',
        channel: 'CGENERAL',
        user: 'UOWNER',
        text: `<@${fake.botUserId}> /task 3`,
        ts: inThread,
        thread_ts: ts,
      }),
    );
    await intake.received(2);
    expect(intake.messages[0]?.text).toBe('summarize this');
    expect(intake.messages[0]?.address.threadId).toBe(ts);
    expect(intake.messages[1]?.address.threadId).toBe(ts);
    expect(intake.messages[1]?.command).toEqual({ name: 'task', args: '3' });
  });

  it('ignores bot posts, edits and channel messages that are not DMs', async () => {
    const event = (extra: Record<string, unknown>) =>
      fake.eventPayload({ type: 'message', channel: 'DOWNER', user: 'UOWNER', text: 'x', ts: fake.ts(), ...extra });
    await fake.sendEvent(event({ channel_type: 'im', bot_id: 'BOTHER' }));
    await fake.sendEvent(event({ channel_type: 'im', subtype: 'message_changed' }));
    await fake.sendEvent(event({ channel_type: 'channel', channel: 'CGENERAL' }));
    await fake.sendEvent(event({ channel_type: 'im', text: 'the real one' }));
    await intake.received(1);
    expect(intake.messages.map((m) => m.text)).toEqual(['the real one']);
  });

  it('acknowledges a slash command, then answers in a thread under a message naming it', async () => {
    const payload = fake.commandPayload('/ask', 'what is &lt;b&gt;?', { userId: 'UOWNER', userName: 'ann' });
    const ack = await fake.sendSlashCommand(payload);
    expect(ack.envelope_id).toBeTruthy();
    await intake.received(1);
    const parent = fake.messages[0];
    expect(parent).toMatchObject({ channel: 'CGENERAL', threadTs: undefined, text: '<@UOWNER> ran `/ask what is &lt;b&gt;?`' });
    expect(intake.messages[0]).toMatchObject({
      id: payload.trigger_id,
      address: { platform: 'slack', chatId: 'CGENERAL', threadId: parent?.ts },
      user: { id: 'UOWNER', name: 'ann' },
      text: '/ask what is <b>?',
      command: { name: 'ask', args: 'what is <b>?' },
    });
  });

  it('takes an empty slash command as a command with no arguments', async () => {
    await fake.sendSlashCommand(fake.commandPayload('/task', ''));
    await intake.received(1);
    expect(intake.messages[0]?.command).toEqual({ name: 'task', args: '' });
    expect(intake.messages[0]?.text).toBe('/task');
  });

  it('moves a command thread to the DM where it may not post, and says so', async () => {
    fake.fail('chat.postMessage', { error: 'not_in_channel' });
    await fake.sendSlashCommand(fake.commandPayload('/ping', '', { channelId: 'GPRIVATE', userId: 'UOWNER' }));
    await intake.received(1);
    expect(intake.messages[0]?.address.chatId).toBe('DUOWNER');
    expect(fake.messages[0]).toMatchObject({ channel: 'DUOWNER', text: '<@UOWNER> ran `/ping`' });
    const note = await fake.waitFor(() => fake.calls('response_url')[0]);
    expect(note.params).toMatchObject({ response_type: 'ephemeral' });
    expect(String(note.params.text)).toContain('/invite');
  });

  it('opens a direct message once for dm:<userId> and posts there', async () => {
    await adapter.send({ platform: 'slack', chatId: 'dm:UADMIN' }, { text: 'disk is **full**' });
    await adapter.send({ platform: 'slack', chatId: 'dm:UADMIN' }, { text: 'still full' });
    expect(fake.calls('conversations.open').map((c) => c.params.users)).toEqual(['UADMIN']);
    expect(fake.messages.map((m) => [m.channel, m.text])).toEqual([
      ['DUADMIN', 'disk is *full*'],
      ['DUADMIN', 'still full'],
    ]);
  });

  it('maps 429, 5xx, refusals and network failures to pie-brain error codes', async () => {
    const address = { platform: 'slack', chatId: 'CGENERAL' };
    fake.fail('chat.postMessage', { status: 429, retryAfterSeconds: 2 }, { status: 503 }, { error: 'channel_not_found' });
    const limited = await failureOf(adapter.send(address, { text: 'a' }));
    expect([limited.code, limited.retryAfterMs]).toEqual(['RATE_LIMITED', 2000]);
    expect((await failureOf(adapter.send(address, { text: 'b' }))).code).toBe('PLATFORM_UNAVAILABLE');
    const refused = await failureOf(adapter.send(address, { text: 'c' }));
    expect([refused.code, refused.message]).toEqual(['PLATFORM_REJECTED', 'Slack refused sending a message: channel_not_found']);
    const offline = slackAdapter(fake, { apiUrl: 'http://127.0.0.1:9/api/' });
    expect((await failureOf(offline.send(address, { text: 'd' }))).code).toBe('PLATFORM_UNAVAILABLE');
  });

  it('retries a 500 twice inside one send with a bounded retry config', async () => {
    const patient = slackAdapter(fake, { retryConfig: { retries: 2, minTimeout: 1, maxTimeout: 5 } });
    fake.fail('chat.postMessage', { status: 500 }, { status: 500 });
    const result = await patient.send({ platform: 'slack', chatId: 'CGENERAL' }, { text: 'third time lucky' });
    expect(fake.calls('chat.postMessage')).toHaveLength(3);
    expect(fake.messages.map((m) => m.ts)).toEqual([result.messageId]);
  });

  it('uploads images as files in the thread, with the caption as comment', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'chart.png');
      writeFileSync(path, Buffer.alloc(2048, 7));
      const address = { platform: 'slack', chatId: 'CGENERAL', threadId: '1700000000.000300' };
      const result = await adapter.send(address, {
        text: 'here is the chart',
        attachments: [
          { kind: 'image', path, caption: 'costs **this** month' },
          { kind: 'image', path: join(dir.path, 'missing.png') },
        ],
      });
      expect(fake.files).toEqual([
        {
          id: expect.any(String),
          filename: 'chart.png',
          bytes: 2048,
          channel: 'CGENERAL',
          threadTs: address.threadId,
          initialComment: 'costs *this* month',
        },
      ]);
      expect(fake.messages.map((m) => m.text)).toEqual(['here is the chart', '_(the image missing.png could not be read)_']);
      expect(result.messageId).toBe(fake.messages[0]?.ts);
    } finally {
      dir.remove();
    }
  });

  it('edits a message with chat.update', async () => {
    const address = { platform: 'slack', chatId: 'CGENERAL' };
    const { messageId } = await adapter.send(address, { text: 'working…' });
    await adapter.edit(address, messageId, { text: 'done in **3 s**' });
    expect(fake.edits).toEqual([{ channel: 'CGENERAL', ts: messageId, threadTs: undefined, text: 'done in *3 s*' }]);
  });

  it('stops cleanly and reports the connection gone', async () => {
    await adapter.stop();
    expect(adapter.connected()).toBe(false);
    await waitFor(() => fake.socketCount === 0, 5000, 'the socket to close');
  });
});

describe('SlackAdapter (HTTP mode)', () => {
  let fake: FakeSlack;
  let adapter: SlackAdapter;
  let intake: RecordingIntake;
  let url: string;

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    adapter = slackAdapter(fake, { mode: 'http', port: 0, host: '127.0.0.1', appToken: undefined });
    intake = new RecordingIntake();
    await adapter.start(intake);
    url = adapter.eventsUrl() ?? '';
  });

  afterEach(async () => {
    await adapter.stop();
    await fake.stop();
  });

  it('answers the url_verification challenge', async () => {
    const response = await postSignedEvent(
      url,
      { type: 'url_verification', challenge: 'c-123', token: 't' },
      { secret: fake.signingSecret },
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain('c-123');
    expect(adapter.connected()).toBe(true);
  });

  it('takes a signed slash command and an event', async () => {
    const command = await postSignedCommand(url, fake.commandPayload('/task', '7'), { secret: fake.signingSecret });
    expect(command.status).toBe(200);
    const ts = fake.ts();
    const event = fake.eventPayload({ type: 'message', channel_type: 'im', channel: 'DOWNER', user: 'UOWNER', text: 'hi', ts });
    expect((await postSignedEvent(url, event, { secret: fake.signingSecret })).status).toBe(200);
    await intake.received(2);
    expect(intake.messages.map((m) => m.text).sort()).toEqual(['/task 7', 'hi']);
  });

  it('rejects a forged signature and a request 6 minutes old with 401', async () => {
    const forged = await postSignedCommand(url, fake.commandPayload('/task', '1'), { secret: 'not-the-secret' });
    const stale = await postSignedCommand(url, fake.commandPayload('/task', '2'), {
      secret: fake.signingSecret,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    expect(intake.messages).toEqual([]);
    expect(fake.messages).toEqual([]);
  });
});

describe('starting and configuring Slack', () => {
  it('refuses to start with a bot token Slack does not accept', async () => {
    const fake = new FakeSlack();
    await fake.start();
    try {
      const adapter = slackAdapter(fake, { botToken: 'xoxb-wrong' });
      const failure = await failureOf(adapter.start(new RecordingIntake()));
      expect([failure.code, failure.message]).toEqual(['PLATFORM_REJECTED', 'Slack refused starting Slack: invalid_auth']);
      expect(fake.calls('apps.connections.open')).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('is off without a bot token and asks for the second secret of its mode', () => {
    const config = testConfig();
    const logger = quietLogger();
    expect(createSlackAdapter(config, {}, logger)).toBeUndefined();
    expect(() => createSlackAdapter(config, { slackBotToken: 'xoxb-1' }, logger)).toThrow(ConfigError);
    expect(() =>
      createSlackAdapter(testConfig({ slack: { mode: 'http' } }), { slackBotToken: 'xoxb-1', slackAppToken: 'xapp-1' }, logger),
    ).toThrow(/SLACK_SIGNING_SECRET/);
    expect(createSlackAdapter(config, { slackBotToken: 'xoxb-1', slackAppToken: 'xapp-1' }, logger)?.platform).toBe('slack');
  });
});
