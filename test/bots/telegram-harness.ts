import { TelegramAdapter, type TelegramAdapterOptions } from '../../bots/telegram.js';
import type { Logger } from '../../core/logger.js';
import { type FakeChat, FakeTelegramBotApi, type FakeUser } from '../fakes/telegram.js';
import { quietLogger } from '../helpers.js';

export const OWNER: FakeUser = { id: 4242, first_name: 'Ada', last_name: 'Lovelace', username: 'ada' };
export const FRIEND: FakeUser = { id: 5151, first_name: 'Grace' };
export const STRANGER: FakeUser = { id: 9999, first_name: 'Mallory' };
export const FORUM: FakeChat = { id: -1001234, type: 'supergroup', title: 'Lab', is_forum: true };
export const GROUP: FakeChat = { id: -4321, type: 'group', title: 'Friends' };

/** A fake Bot API and an adapter pointed at it, with short retry delays. */
export async function startTelegram(
  options: Partial<TelegramAdapterOptions> & { logger?: Logger } = {},
): Promise<{ fake: FakeTelegramBotApi; adapter: TelegramAdapter }> {
  const fake = await new FakeTelegramBotApi().start();
  fake.addChat(FORUM);
  fake.addChat(GROUP);
  const adapter = new TelegramAdapter({
    token: fake.token,
    apiRoot: fake.url,
    logger: quietLogger(),
    baseDelayMs: 10,
    maxDelayMs: 100,
    ...options,
  });
  return { fake, adapter };
}
