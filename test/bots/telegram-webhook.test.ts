import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../bots/telegram.js';
import { isPieBrainError } from '../../core/errors.js';
import { RecordingIntake } from '../fakes/recording-intake.js';
import type { FakeTelegramBotApi } from '../fakes/telegram.js';
import { quietLogger } from '../helpers.js';
import { OWNER, startTelegram } from './telegram-harness.js';

const SECRET = 'webhook-secret_123';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Telegram webhook mode', () => {
  let fake: FakeTelegramBotApi;
  let adapter: TelegramAdapter;
  let intake: RecordingIntake;

  async function open(submit?: RecordingIntake['submit']): Promise<void> {
    const port = await freePort();
    ({ fake, adapter } = await startTelegram({
      mode: 'webhook',
      webhook: { url: `http://127.0.0.1:${port}/telegram/hook`, port, secret: SECRET },
    }));
    intake = new RecordingIntake();
    if (submit) intake.submit = submit;
    await adapter.start(intake);
  }

  afterEach(async () => {
    await adapter?.stop();
    await fake?.stop();
  });

  it('registers the webhook with its secret and keeps pending updates', async () => {
    await open();
    const [setWebhook] = fake.calls('setWebhook');
    expect(setWebhook?.params).toMatchObject({ secret_token: SECRET, allowed_updates: ['message'], drop_pending_updates: false });
    expect(fake.calls('getUpdates')).toHaveLength(0);
    expect(adapter.connected()).toBe(true);
  });

  it('answers 401 to a wrong or missing secret and takes nothing in', async () => {
    await open();
    const { update_id } = fake.userSends({ from: OWNER, text: 'forged' });
    expect(await fake.deliverToWebhook('not-the-secret')).toEqual([401]);
    expect(await fake.deliverToWebhook(null)).toEqual([401]);
    expect(intake.messages).toHaveLength(0);
    expect(fake.pendingUpdates()).toEqual([update_id]);
    expect(await fake.deliverToWebhook()).toEqual([200]);
    expect(intake.messages.map((m) => m.text)).toEqual(['forged']);
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it('answers 500 while intake cannot store, so Telegram delivers the update again', async () => {
    let broken = true;
    const recording = new RecordingIntake();
    await open(async (message) => {
      if (broken) throw new Error('database is locked');
      return recording.submit(message);
    });
    fake.userSends({ from: OWNER, text: 'again please' });
    expect(await fake.deliverToWebhook()).toEqual([500]);
    broken = false;
    expect(await fake.deliverToWebhook()).toEqual([200]);
    expect(recording.messages.map((m) => m.text)).toEqual(['again please']);
  });

  it('fails start-up when Telegram refuses the webhook URL, instead of retrying forever', async () => {
    const port = await freePort();
    ({ fake, adapter } = await startTelegram({ mode: 'webhook', webhook: { url: `http://127.0.0.1:${port}/hook`, port, secret: SECRET } }));
    fake.failNext('setWebhook', { error_code: 400, description: 'Bad Request: bad webhook: HTTPS url must be provided for webhook' });
    const failure = await adapter.start(new RecordingIntake()).catch((error: unknown) => error);
    expect(isPieBrainError(failure) && failure.code).toBe('PLATFORM_REJECTED');
    expect((failure as Error).message).toContain('HTTPS url must be provided');
    expect(fake.calls('setWebhook')).toHaveLength(1);
  });

  it('refuses to start webhook mode without a secret', async () => {
    ({ fake } = await startTelegram());
    let failure: unknown;
    try {
      adapter = new TelegramAdapter({
        token: fake.token,
        apiRoot: fake.url,
        logger: quietLogger(),
        mode: 'webhook',
        webhook: { url: null, port: 0, secret: undefined },
      });
    } catch (error) {
      failure = error;
    }
    expect(isPieBrainError(failure) && failure.code).toBe('CONFIG_INVALID');
  });
});
