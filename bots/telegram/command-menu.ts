import type { Api } from 'grammy';
import type { BotCommand } from 'grammy/types';
import type { Logger } from '../../core/logger.js';
import { describeApiError } from './api-errors.js';

/** One entry of the "/" menu Telegram shows under the text field. */
export interface MenuCommand {
  name: string;
  description: string;
  adminOnly?: boolean;
}

// Telegram's rules: 1-32 characters of a-z, 0-9 and _; a description of 3-256 characters; 100 commands.
const NAME = /^[a-z0-9_]{1,32}$/;

/** The commands Telegram accepts, once each, in order; names it would refuse (`/brain-run`) are left out. */
export function toBotCommands(commands: readonly MenuCommand[]): BotCommand[] {
  const seen = new Set<string>();
  const out: BotCommand[] = [];
  for (const { name, description } of commands) {
    const command = name.toLowerCase();
    if (!NAME.test(command) || seen.has(command)) continue;
    seen.add(command);
    const text = description.trim().padEnd(3, '.');
    out.push({ command, description: text.length > 256 ? `${text.slice(0, 255)}…` : text });
  }
  return out.slice(0, 100);
}

/**
 * Publish the menu: commands everyone may use for everyone, and the full list (admin-only commands
 * included) in each admin's private chat. A failure is logged, never fatal: the commands still work typed.
 */
export async function publishCommandMenu(
  api: Api,
  commands: readonly MenuCommand[],
  adminIds: readonly string[],
  logger: Logger,
  token: string,
): Promise<void> {
  try {
    await api.setMyCommands(toBotCommands(commands.filter((c) => !c.adminOnly)));
  } catch (error) {
    logger.warn({ error: describeApiError(error, token) }, 'could not publish the Telegram command menu');
    return;
  }
  const everything = toBotCommands(commands);
  for (const admin of adminIds) {
    if (!/^\d+$/.test(admin)) continue;
    try {
      await api.setMyCommands(everything, { scope: { type: 'chat', chat_id: Number(admin) } });
    } catch (error) {
      // An admin who never opened a chat with the bot: Telegram does not know the chat yet.
      logger.warn({ admin, error: describeApiError(error, token) }, 'could not publish the admin command menu');
    }
  }
}
