import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackAdapter } from '../../bots/slack.js';
import { FakeSlack } from '../fakes/slack.js';
import { postSignedCommand, postSignedEvent } from '../fakes/slack-signed.js';
import { LockableIntake } from '../fakes/storage-faults.js';
import { quietLogger, tempDir } from '../helpers.js';

const UNSTORED = "I couldn't store your message: my storage is failing right now, so nothing will run. Please send it again in a while.";

describe.each(['socket', 'http'] as const)('Slack (%s mode) when storage fails', (mode) => {
  let fake: FakeSlack;
  let adapter: SlackAdapter;
  let intake: LockableIntake;
  const dir = tempDir();

  beforeEach(async () => {
    fake = new FakeSlack();
    await fake.start();
    adapter = new SlackAdapter({
      botToken: fake.botToken,
      appToken: fake.appToken,
      signingSecret: fake.signingSecret,
      mode,
      apiUrl: fake.apiUrl,
      logger: quietLogger(),
      retryConfig: { retries: 0 },
      ...(mode === 'http' ? { port: 0, host: '127.0.0.1' } : {}),
    });
    intake = new LockableIntake(join(dir.path, `${mode}-${Date.now()}.db`));
    await adapter.start(intake);
  });

  afterEach(async () => {
    await adapter.stop();
    await fake.stop();
    intake.close();
  });

  /** Deliver an event as Slack does in this mode: whether it was acknowledged. */
  async function deliverEvent(payload: ReturnType<FakeSlack['eventPayload']>): Promise<boolean> {
    if (mode === 'http') return (await postSignedEvent(adapter.eventsUrl() ?? '', payload, { secret: fake.signingSecret })).status === 200;
    return fake.sendEvent(payload).then(
      () => true,
      () => false,
    );
  }

  /** Deliver a slash command: the text the user sees in the acknowledgement, if any. */
  async function deliverCommand(payload: ReturnType<FakeSlack['commandPayload']>): Promise<string> {
    if (mode === 'http') {
      const response = await postSignedCommand(adapter.eventsUrl() ?? '', payload, { secret: fake.signingSecret });
      expect(response.status).toBe(200);
      return response.body;
    }
    const ack = await fake.sendSlashCommand(payload);
    return typeof ack.payload === 'string' ? ack.payload : JSON.stringify(ack.payload ?? '');
  }

  it('does not acknowledge an event it could not store (SQLITE_BUSY), so Slack delivers it again, and stores the redelivery once', async () => {
    const event = fake.eventPayload({
      type: 'message',
      channel_type: 'im',
      channel: 'DOWNER',
      user: 'UOWNER',
      text: 'keep me',
      ts: fake.ts(),
    });
    intake.lock();
    expect(await deliverEvent(event)).toBe(false);
    expect(intake.attempts.map((m) => m.text)).toEqual(['keep me']);
    expect(intake.stored).toEqual([]);
    expect(intake.alarm.isFailing).toBe(true);
    intake.unlock();
    expect(await deliverEvent(event)).toBe(true);
    expect(await deliverEvent(event)).toBe(true);
    expect(intake.stored.map((m) => m.text)).toEqual(['keep me']);
  }, 15_000);

  it('acknowledges a slash command it could not store with the reason, and a stored one with nothing', async () => {
    intake.lock();
    expect(await deliverCommand(fake.commandPayload('/task', '7'))).toContain(UNSTORED);
    expect(intake.stored).toEqual([]);
    intake.unlock();
    expect(await deliverCommand(fake.commandPayload('/task', '8'))).not.toContain('storage');
    expect(intake.stored.map((m) => m.text)).toEqual(['/task 8']);
  });
});
