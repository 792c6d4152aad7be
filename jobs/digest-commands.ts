import type { Command, CommandTable } from '../core/commands/command-table.js';
import type { Reply } from '../core/contracts/messages.js';
import type { OutboxRow } from '../storage/outbox.js';
import { buildDigest, type DigestDeps } from './arxiv-digest.js';
import type { Scheduler } from './scheduler.js';

function deliveryState(row: OutboxRow | undefined): string {
  if (!row) return 'pruned';
  switch (row.status) {
    case 'sent':
      return `delivered (message ${row.receipt})`;
    case 'failed':
      return `not delivered after ${row.attempts} tries: ${row.lastError ?? 'unknown error'}`;
    default:
      return row.attempts ? `retrying (attempt ${row.attempts}): ${row.lastError ?? ''}` : 'queued';
  }
}

/** `/digest now|subscribe|unsubscribe|settings|status`, for the channel it is typed in. */
export function registerDigestCommands(table: CommandTable, deps: DigestDeps & { scheduler: () => Scheduler | undefined }): void {
  const command: Command = {
    name: 'digest',
    description: 'the daily arXiv digest: now, subscribe, unsubscribe, settings, status',
    usage: '/digest now|subscribe|unsubscribe|settings|status',
    options: [
      {
        name: 'action',
        description: 'what to do for this channel',
        type: 'string',
        choices: ['now', 'subscribe', 'unsubscribe', 'settings', 'status'],
      },
    ],
    // `now` writes the digest note; the others read or change this channel's subscription.
    privileges: ['read', 'writeNotes'],
    async run({ args, message, signal }): Promise<Reply> {
      const address = { platform: message.address.platform, chatId: message.address.chatId };
      const sub = args.trim().toLowerCase().split(/\s+/)[0] || 'settings';
      const settings = deps.config.jobs.digest;
      switch (sub) {
        case 'now': {
          const digest = await buildDigest(deps, signal);
          return digest.reply;
        }
        case 'subscribe': {
          const threadId = message.address.threadId;
          const created = deps.subscriptions.subscribe(
            { ...address, ...(threadId ? { threadId } : {}) },
            `${address.platform}:${message.user.id}`,
            deps.clock.now(),
          );
          return {
            text: created
              ? `Subscribed: this channel gets the arXiv digest (${deps.config.arxiv.categories.join(', ')}) on "${settings.cron}" (${deps.config.timeZone}).`
              : 'This channel is already subscribed.',
          };
        }
        case 'unsubscribe':
          return {
            text: deps.subscriptions.unsubscribe(address) ? 'Unsubscribed: no more digests here.' : 'This channel was not subscribed.',
          };
        case 'status': {
          const last = deps.kv.get<{ date: string; outboxIds: number[] }>('digest:last');
          if (!last) return { text: 'No digest has been posted yet.' };
          const lines = [`Digest of ${last.date}:`];
          for (const id of last.outboxIds) {
            const row = deps.outbox.get(id);
            lines.push(`- ${row ? `${row.address.platform} ${row.address.chatId}` : `#${id}`}: ${deliveryState(row)}`);
          }
          return { text: lines.join('\n') };
        }
        case 'settings': {
          const status = deps
            .scheduler()
            ?.status()
            .find((job) => job.name === 'arxiv-digest');
          const lines = [
            `*Digest settings*: ${settings.enabled ? 'on' : 'off'}, "${settings.cron}" in ${deps.config.timeZone}`,
            `- categories: ${deps.config.arxiv.categories.join(', ')}; top ${settings.topN}; summaries ${settings.summaries ? 'on' : 'off'}`,
            `- on quiet days (Friday, Saturday): ${settings.postWhenEmpty ? 'say "no new papers"' : 'post nothing'}`,
            `- subscribed channels: ${deps.subscriptions.list().length}${deps.subscriptions.isSubscribed(address) ? ' (this one included)' : ''}`,
          ];
          if (status?.nextRunAt) lines.push(`- next: ${new Date(status.nextRunAt).toUTCString()}`);
          if (status?.lastRun)
            lines.push(
              `- last: ${new Date(status.lastRun.startedAt).toUTCString()}, ${status.lastRun.status}${status.lastRun.detail ? ` (${status.lastRun.detail})` : ''}`,
            );
          return { text: lines.join('\n') };
        }
        default:
          return { text: 'Usage: `/digest now|subscribe|unsubscribe|settings|status`' };
      }
    },
  };
  table.register(command);
}
