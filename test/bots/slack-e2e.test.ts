import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_MAX_LENGTH, SlackAdapter } from '../../bots/slack.js';
import type { EventMap } from '../../core/engine/events.js';
import { Runtime } from '../../core/runtime.js';
import { FakeSlack, type SlackMessage } from '../fakes/slack.js';
import { postSignedCommand, postSignedEvent } from '../fakes/slack-signed.js';
import { quietLogger, tempDir, testConfig, testPaths, waitFor } from '../helpers.js';

// Slack end to end: the fake's messages go through the real adapter, intake, queue, engine, outbox and delivery.

const LONG_REPLY = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')} ${'z'.repeat(95)}`).join('\n\n');

interface Rig {
  fake: FakeSlack;
  runtime: Runtime;
  adapter: SlackAdapter;
  routed: string[];
  queued: Array<EventMap['task-queued']>;
  failures: Array<EventMap['reply-failed']>;
  command(payload: Record<string, string>): Promise<void>;
  event(payload: unknown): Promise<void>;
  close(): Promise<void>;
}

async function startRig(mode: 'socket' | 'http'): Promise<Rig> {
  const fake = new FakeSlack();
  await fake.start();
  const dir = tempDir();
  const config = testConfig({
    access: { admins: ['slack:UADMIN'], allowedUsers: { slack: ['UFRIEND'] } },
    delivery: { baseDelayMs: 20, maxDelayMs: 2000 },
  });
  const runtime = new Runtime({ config, paths: testPaths(dir.path), logger: quietLogger() });
  const adapter = new SlackAdapter({
    botToken: fake.botToken,
    appToken: fake.appToken,
    signingSecret: fake.signingSecret,
    mode,
    port: 0,
    host: '127.0.0.1',
    apiUrl: fake.apiUrl,
    logger: quietLogger(),
    retryConfig: { retries: 0 },
  });
  const routed: string[] = [];
  runtime.setRouteHandler(async (ctx) => {
    routed.push(ctx.message.text);
    return { text: ctx.message.text === 'long please' ? LONG_REPLY : `echo: ${ctx.message.text}` };
  });
  runtime.commands.register({
    name: 'secret',
    description: 'admins only',
    usage: '/secret',
    privileges: ['operate'],
    run: () => ({ text: 'the secret is 42' }),
  });
  const queued: Rig['queued'] = [];
  const failures: Rig['failures'] = [];
  runtime.bus.on('task-queued', (event) => queued.push(event));
  runtime.bus.on('reply-failed', (event) => failures.push(event));
  runtime.addAdapter(adapter);
  await runtime.start();
  const url = () => adapter.eventsUrl() ?? '';
  return {
    fake,
    runtime,
    adapter,
    routed,
    queued,
    failures,
    async command(payload) {
      if (mode === 'socket') await fake.sendSlashCommand(payload as ReturnType<FakeSlack['commandPayload']>);
      else expect((await postSignedCommand(url(), payload, { secret: fake.signingSecret })).status).toBe(200);
    },
    async event(payload) {
      if (mode === 'socket') await fake.sendEvent(payload as ReturnType<FakeSlack['eventPayload']>);
      else expect((await postSignedEvent(url(), payload, { secret: fake.signingSecret })).status).toBe(200);
    },
    async close() {
      await runtime.stop(2000);
      await fake.stop();
      dir.remove();
    },
  };
}

function dm(fake: FakeSlack, user: string, text: string) {
  return fake.eventPayload({ type: 'message', channel_type: 'im', channel: `D${user}`, user, text, ts: fake.ts() });
}

const texts = (messages: SlackMessage[]) => messages.map((m) => m.text);

describe.each(['socket', 'http'] as const)('Slack end to end (%s mode)', (mode) => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig(mode);
  });
  afterEach(async () => {
    await rig.close();
  });

  it('answers a direct message in that DM', async () => {
    await rig.event(dm(rig.fake, 'UADMIN', 'hello pie'));
    const answer = await rig.fake.waitForMessage((m) => m.text === 'echo: hello pie');
    expect([answer.channel, answer.threadTs]).toEqual(['DUADMIN', undefined]);
  });

  it('answers a mention in its thread, without the mention', async () => {
    const ts = rig.fake.ts();
    await rig.event(
      rig.fake.eventPayload({ type: 'app_mention', channel: 'CGENERAL', user: 'UFRIEND', text: '<@UPIEBRAIN> how are you?', ts }),
    );
    const answer = await rig.fake.waitForMessage((m) => m.text === 'echo: how are you?');
    expect([answer.channel, answer.threadTs]).toEqual(['CGENERAL', ts]);
  });

  it('answers a slash command in a thread under the message naming it', async () => {
    await rig.command(rig.fake.commandPayload('/ping', '', { userId: 'UFRIEND', channelId: 'CGENERAL' }));
    const answer = await rig.fake.waitForMessage((m) => m.text === 'pong');
    const parent = rig.fake.messages.find((m) => m.ts === answer.threadTs);
    expect(parent).toMatchObject({ channel: 'CGENERAL', threadTs: undefined, text: '<@UFRIEND> ran `/ping`' });
    expect(answer.channel).toBe('CGENERAL');
    expect(rig.queued).toHaveLength(1);
  });
});

describe('Slack end to end: bad paths', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig('socket');
  });
  afterEach(async () => {
    await rig.close();
  });

  it('refuses a stranger once, politely, with their id, and runs nothing', async () => {
    const refused: string[] = [];
    rig.runtime.bus.on('intake-refused', (event) => refused.push(event.userId));
    await rig.event(dm(rig.fake, 'USTRANGER', 'let me in'));
    await rig.event(dm(rig.fake, 'USTRANGER', 'please?'));
    await waitFor(() => refused.length === 2, 5000, 'two refusals');
    await rig.event(dm(rig.fake, 'UADMIN', 'after the stranger'));
    await rig.fake.waitForMessage((m) => m.text === 'echo: after the stranger');
    const toStranger = rig.fake.messages.filter((m) => m.channel === 'DUSTRANGER');
    expect(toStranger).toHaveLength(1);
    expect(toStranger[0]?.text).toContain('`USTRANGER`');
    expect(rig.routed).toEqual(['after the stranger']);
    expect(rig.queued).toHaveLength(1);
  });

  it("answers a stranger's slash command by DM and shows nothing in the channel", async () => {
    await rig.command(rig.fake.commandPayload('/ping', '', { userId: 'USTRANGER', channelId: 'CGENERAL' }));
    const [refusal] = await rig.fake.waitFor(
      () => {
        const found = rig.fake.messages.filter((m) => m.text.includes('`USTRANGER`'));
        return found.length ? found : undefined;
      },
      5000,
      'the refusal',
    );
    expect(refusal?.channel).not.toBe('CGENERAL');
    expect(rig.fake.messages.filter((m) => m.channel === 'CGENERAL')).toEqual([]);
    expect(rig.routed).toEqual([]);
    expect(rig.queued).toHaveLength(0);
  });

  it('refuses an admin-only command to a non-admin and runs it for an admin', async () => {
    await rig.command(rig.fake.commandPayload('/secret', '', { userId: 'UFRIEND' }));
    await rig.fake.waitForMessage((m) => /^Sorry, \/secret needs the right to operate pie-brain/.test(m.text) && m.threadTs !== undefined);
    await rig.command(rig.fake.commandPayload('/secret', '', { userId: 'UADMIN' }));
    await rig.fake.waitForMessage((m) => m.text === 'the secret is 42');
    expect(texts(rig.fake.messages).filter((t) => t.includes('42'))).toEqual(['the secret is 42']);
  });

  it('waits out a 429 with Retry-After, then delivers once', async () => {
    rig.fake.fail('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
    await rig.event(dm(rig.fake, 'UADMIN', 'rate me'));
    await rig.fake.waitForMessage((m) => m.text === 'echo: rate me');
    expect(rig.failures.map((f) => [f.code, f.willRetry])).toEqual([['RATE_LIMITED', true]]);
    expect(rig.fake.calls('chat.postMessage')).toHaveLength(2);
    expect(texts(rig.fake.messages)).toEqual(['echo: rate me']);
  });

  it('survives 500 twice, then delivers once', async () => {
    rig.fake.fail('chat.postMessage', { status: 500 }, { status: 500 });
    await rig.event(dm(rig.fake, 'UADMIN', 'flaky'));
    await rig.fake.waitForMessage((m) => m.text === 'echo: flaky');
    expect(rig.failures.map((f) => f.code)).toEqual(['PLATFORM_UNAVAILABLE', 'PLATFORM_UNAVAILABLE']);
    expect(texts(rig.fake.messages)).toEqual(['echo: flaky']);
  });

  it('splits a 10,000-character reply into messages in the same thread', async () => {
    const ts = rig.fake.ts();
    await rig.event(
      rig.fake.eventPayload({ type: 'app_mention', channel: 'CGENERAL', user: 'UADMIN', text: '<@UPIEBRAIN> long please', ts }),
    );
    await rig.fake.waitFor(
      () => (rig.fake.messages.map((m) => m.text).join('\n\n') === LONG_REPLY ? true : undefined),
      10_000,
      'the long reply',
    );
    expect(rig.fake.messages.length).toBeGreaterThanOrEqual(3);
    for (const message of rig.fake.messages) {
      expect(message.text.length).toBeLessThanOrEqual(SLACK_MAX_LENGTH);
      expect([message.channel, message.threadTs]).toEqual(['CGENERAL', ts]);
    }
  });

  it('takes emoji with zero-width characters as a message, and only zero-width ones as empty', async () => {
    await rig.event(dm(rig.fake, 'UADMIN', '😀 :tada: \u200B\u200D'));
    await rig.fake.waitForMessage((m) => m.text.startsWith('echo: 😀 :tada:'));
    await rig.event(dm(rig.fake, 'UADMIN', '\u200B\u2060 \uFEFF'));
    await rig.fake.waitForMessage((m) => m.text.includes('looks empty'));
    expect(rig.routed).toEqual(['😀 :tada: \u200B\u200D']);
  });

  it('answers an empty slash command with its usage, in the thread', async () => {
    await rig.command(rig.fake.commandPayload('/task', '', { userId: 'UADMIN' }));
    const usage = await rig.fake.waitForMessage((m) => m.text.startsWith('Usage:'));
    expect(usage.text).toBe('Usage: `/task &lt;id&gt;`, for example `/task 12`.');
    expect(usage.threadTs).toBe(rig.fake.messages[0]?.ts);
  });

  it('sends admin alerts to the admin by direct message', async () => {
    rig.runtime.alerts.transition('disk', 'bad', 'Disk almost **full**');
    const alert = await rig.fake.waitForMessage((m) => m.text.includes('Disk almost'));
    expect(alert).toMatchObject({ channel: 'DUADMIN', text: '🟠 Disk almost *full*' });
    expect(rig.fake.calls('conversations.open').map((c) => c.params.users)).toEqual(['UADMIN']);
  });
});

describe('Slack end to end: signed HTTP requests', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig('http');
  });
  afterEach(async () => {
    await rig.close();
  });

  it('rejects a forged signature and a request 6 minutes old: nothing runs', async () => {
    const url = rig.adapter.eventsUrl() ?? '';
    const forged = await postSignedEvent(url, dm(rig.fake, 'UADMIN', 'forged'), { secret: 'guessed' });
    const stale = await postSignedCommand(url, rig.fake.commandPayload('/ping', '', { userId: 'UADMIN' }), {
      secret: rig.fake.signingSecret,
      timestampSeconds: Math.floor(Date.now() / 1000) - 360,
    });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    await rig.event(dm(rig.fake, 'UADMIN', 'genuine'));
    await rig.fake.waitForMessage((m) => m.text === 'echo: genuine');
    expect(rig.routed).toEqual(['genuine']);
    expect(texts(rig.fake.messages)).toEqual(['echo: genuine']);
  });
});
