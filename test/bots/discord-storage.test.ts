import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordAdapter } from '../../bots/discord.js';
import { FakeClock } from '../fakes/clock.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { LockableIntake } from '../fakes/storage-faults.js';
import { tempDir, waitFor } from '../helpers.js';
import { createDiscord } from './discord-harness.js';

const UNSTORED = "I couldn't store your message: my storage is failing right now, so nothing will run. Please send it again in a while.";

describe('Discord when storage fails', () => {
  let fake: FakeDiscord;
  let adapter: DiscordAdapter;
  let intake: LockableIntake;
  const dir = tempDir();
  const clock = new FakeClock(Date.now());

  async function start(): Promise<void> {
    ({ fake, adapter } = await createDiscord({ clock }));
    intake = new LockableIntake(join(dir.path, `discord-${Date.now()}.db`));
    await adapter.start(intake);
  }

  afterEach(async () => {
    await adapter.stop();
    await fake.stop();
    intake.close();
  });

  it('a deferred slash command that could not be stored (SQLITE_BUSY) is answered with the reason, not left thinking', async () => {
    await start();
    intake.lock();
    const { token } = fake.userRunsCommand('task', { id: '7' });
    await waitFor(() => fake.original(token)?.content === UNSTORED, 10_000, 'the placeholder to say the command was not stored');
    expect(intake.stored).toEqual([]);
    expect(intake.alarm.isFailing).toBe(true);
  });

  it('a mention that could not be stored gets one reply per channel and minute; a stored one gets none', async () => {
    await start();
    intake.lock();
    const first = fake.userMentionsBot('first');
    await fake.waitForPosted(1);
    expect(fake.posted[0]).toMatchObject({ via: 'channel', content: UNSTORED, reference: first });
    fake.userMentionsBot('second');
    await waitFor(() => intake.attempts.length === 2, 5000, 'the second try');
    await clock.advance(61_000);
    fake.userMentionsBot('third');
    await fake.waitForPosted(2);
    expect(fake.posted.map((p) => p.content)).toEqual([UNSTORED, UNSTORED]);
    intake.unlock();
    fake.userMentionsBot('fourth');
    await waitFor(() => intake.stored.length === 1, 5000, 'the stored mention');
    expect(intake.stored[0]?.text).toBe('fourth');
    expect(fake.posted).toHaveLength(2);
  });
});
