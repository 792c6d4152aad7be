import { DiscordAdapter, type DiscordAdapterOptions } from '../../bots/discord.js';
import type { AdapterHarness, Delivered } from '../contracts/chat-adapter.js';
import { standardMenu } from '../fakes/command-menu.js';
import { FakeDiscord, type PostedMessage } from '../fakes/discord.js';
import { quietLogger } from '../helpers.js';

export const TOKEN = 'fake-discord-bot-token.abc.def';

/** A started fake and an adapter pointed at it (not started). */
export async function createDiscord(options: Partial<DiscordAdapterOptions> = {}): Promise<{ fake: FakeDiscord; adapter: DiscordAdapter }> {
  const fake = new FakeDiscord();
  await fake.start();
  const menu = standardMenu();
  const adapter = new DiscordAdapter({
    token: TOKEN,
    apiUrl: fake.url,
    logger: quietLogger(),
    requestTimeoutMs: 2000,
    commands: () => menu,
    ...options,
  });
  return { fake, adapter };
}

/** "/task 12" as Discord sends it: the command with one option holding the text; anything else as a mention of the bot. */
export function userSays(fake: FakeDiscord, text: string, where: Parameters<FakeDiscord['userRunsCommand']>[2] = {}): void {
  const command = /^\/(\w+)\s*(.*)$/s.exec(text);
  if (!command) {
    fake.userMentionsBot(text, where);
    return;
  }
  const [, name = '', args = ''] = command;
  fake.userRunsCommand(name, args ? { args } : {}, where);
}

/** Where the fake saw a message land, in the adapter's address terms (a thread is a channel with a parent). */
export function deliveredOf(fake: FakeDiscord, message: PostedMessage): Delivered {
  const inThread = message.channelId === fake.thread.id;
  return { chatId: inThread ? fake.general.id : message.channelId, threadId: inThread ? fake.thread.id : undefined, text: message.content };
}

export async function discordHarness(): Promise<AdapterHarness> {
  const { fake, adapter } = await createDiscord({ guildId: null });
  return {
    adapter,
    replyAddress: { platform: 'discord', chatId: fake.general.id, threadId: fake.thread.id },
    userSays: async (text) => userSays(fake, text),
    delivered: async () => fake.posted.map((message) => deliveredOf(fake, message)),
    close: () => fake.stop(),
  };
}
