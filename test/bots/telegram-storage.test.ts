import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramAdapter } from '../../bots/telegram.js';
import { Runtime } from '../../core/runtime.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { LockableIntake, TinyDisk } from '../fakes/storage-faults.js';
import type { FakeTelegramBotApi } from '../fakes/telegram.js';
import { quietLogger, tempDir, testConfig, waitFor } from '../helpers.js';
import { OWNER, startTelegram } from './telegram-harness.js';

describe('Telegram when storage fails', () => {
  let fake: FakeTelegramBotApi | undefined;
  let adapter: TelegramAdapter | undefined;
  let runtime: Runtime | undefined;
  let disk: TinyDisk | undefined;
  let intake: LockableIntake | undefined;
  const dir = tempDir();

  afterEach(async () => {
    await runtime?.stop(1000);
    await adapter?.stop();
    await fake?.stop();
    intake?.close();
    disk?.unmount();
    runtime = undefined;
    adapter = undefined;
    intake = undefined;
  });

  it('never confirms an update that hit SQLITE_BUSY, and takes it in once the database is free', async () => {
    intake = new LockableIntake(join(dir.path, 'busy.db'));
    ({ fake, adapter } = await startTelegram());
    await adapter.start(intake);
    intake.lock();
    const { update_id } = fake.userSends({ from: OWNER, text: 'hold on to me' });
    await waitFor(() => intake && intake.attempts.length >= 25, 10_000, 'many failed tries (more than maxHandleAttempts would allow)');
    expect(intake.alarm.isFailing).toBe(true);
    expect(fake.confirmedOffset).toBeLessThanOrEqual(update_id);
    expect(fake.pendingUpdates()).toContain(update_id);
    // A later update waits behind it: polling is paused, not skipping.
    const later = fake.userSends({ from: OWNER, text: 'and me' });
    intake.unlock();
    await fake.waitForRequest('getUpdates', (r) => r.params.offset === later.update_id + 1);
    expect(intake.stored.map((m) => m.text)).toEqual(['hold on to me', 'and me']);
    expect(intake.alarm.isFailing).toBe(false);
  }, 20_000);

  it('on a full disk: pauses, tells the admins straight through their platforms, resumes and answers when space is back', async (context) => {
    disk = new TinyDisk(dir.path, 2);
    if (!disk.mounted) return context.skip(disk.reason);
    const config = testConfig({ access: { admins: [`telegram:${OWNER.id}`, 'fake:owner'] } });
    runtime = new Runtime({ config, paths: { home: disk.path, brainDir: join(dir.path, 'brain') }, logger: quietLogger() });
    runtime.setRouteHandler(async ({ message }) => ({ text: `echo: ${message.text}` }));
    const other = new FakeChatAdapter();
    runtime.addAdapter(other);
    ({ fake, adapter } = await startTelegram());
    runtime.addAdapter(adapter);
    await runtime.start();
    const ownerChat = (m: { chatId: number }) => m.chatId === OWNER.id;

    fake.userSends({ from: OWNER, text: 'before' });
    await fake.waitForSent(1, (m) => ownerChat(m) && m.visible === 'echo: before');

    disk.fill();
    const { update_id } = fake.userSends({ from: OWNER, text: 'while the disk is full' });
    const [alert] = await fake.waitForSent(1, (m) => ownerChat(m) && m.visible.startsWith('🔴 I cannot store incoming messages'));
    expect(alert?.visible).toContain('SQLITE_FULL, first on telegram');
    await waitFor(
      () => other.texts().some((text) => text.startsWith('🔴 I cannot store incoming messages')),
      5000,
      'the alert on the other platform',
    );
    expect(fake.confirmedOffset).toBeLessThanOrEqual(update_id);
    expect(fake.pendingUpdates()).toContain(update_id);

    disk.free();
    await fake.waitForSent(1, (m) => ownerChat(m) && m.visible === 'echo: while the disk is full');
    await fake.waitForSent(1, (m) => ownerChat(m) && m.visible.startsWith('🟢 Storing incoming messages works again'));
    await fake.waitForRequest('getUpdates', (r) => r.params.offset === update_id + 1);
    // One alert for the episode, not one per retry.
    expect(fake.sent().filter((m) => m.visible.startsWith('🔴')).length).toBe(1);
  }, 30_000);
});
