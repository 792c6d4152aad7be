import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Paths } from '../core/config.js';
import type { Address, Reply } from '../core/contracts/messages.js';
import type { NoteIndex } from '../core/contracts/note-index.js';
import type { Paper, PaperSource } from '../core/contracts/papers.js';
import { dayOf } from '../core/costs/calendar.js';
import { writeFileAtomic } from '../core/lib/atomic-file.js';
import type { Clock } from '../core/lib/clock.js';
import { formatTokens, formatUsd } from '../core/lib/format.js';
import type { Logger } from '../core/logger.js';
import type { KeyValueStore } from '../storage/kv.js';
import type { Outbox } from '../storage/outbox.js';
import type { DigestSubscriptions } from '../storage/subscriptions.js';
import { interestsText, type RankedPaper, rankByEmbedding, rankByKeywords } from './digest-ranking.js';
import type { Job } from './scheduler.js';

export interface DigestDeps {
  source: PaperSource;
  /** Drops papers too close to notes pie-brain already has. */
  notes?: NoteIndex;
  /** Ranks by embedding similarity when present; by keywords otherwise. */
  embed?: (texts: string[]) => Promise<number[][]>;
  /** One-line summary by the local model (only when config jobs.digest.summaries is on). */
  summarize?: (paper: Paper, signal: AbortSignal) => Promise<{ text: string; tokens: number }>;
  readPrefs: () => string;
  subscriptions: DigestSubscriptions;
  outbox: Outbox;
  kv: KeyValueStore;
  clock: Clock;
  logger: Logger;
  config: Config;
  paths: Paths;
}

export interface Digest {
  date: string;
  found: number;
  ranked: RankedPaper[];
  reply: Reply;
  quietDay: boolean;
  file?: string;
}

const SEEN_KEY = 'digest:seen';
const SEEN_CAP = 5000;

function authorsLine(authors: readonly string[]): string {
  return authors.length > 3 ? `${authors.slice(0, 3).join(', ')} et al.` : authors.join(', ');
}

/** Discover, drop what was seen or is already known, rank by the owner's interests, and write the digest note. */
export async function buildDigest(deps: DigestDeps, signal: AbortSignal): Promise<Digest> {
  const { config, clock, logger } = deps;
  const settings = config.jobs.digest;
  const date = dayOf(clock.now(), config.timeZone).key;
  const result = await deps.source.discover({ categories: config.arxiv.categories, hours: 24, signal });
  const seen = new Set(deps.kv.get<string[]>(SEEN_KEY) ?? []);
  const fresh: Paper[] = [];
  for (const paper of result.papers) {
    if (seen.has(paper.baseId)) continue;
    const known = await deps.notes?.findSimilar(`${paper.title}\n\n${paper.abstract}`, { signal }).catch(() => undefined);
    if (known) {
      logger.debug({ paper: paper.id, note: known.path }, 'digest: already known');
      continue;
    }
    fresh.push(paper);
  }
  const interests = interestsText(deps.readPrefs());
  let ranked: RankedPaper[];
  if (deps.embed && interests) {
    try {
      ranked = await rankByEmbedding(fresh, interests, deps.embed);
    } catch (error) {
      logger.warn({ err: error }, 'digest: embedding failed; ranking by keywords');
      ranked = rankByKeywords(fresh, interests);
    }
  } else ranked = rankByKeywords(fresh, interests);
  const top = ranked.slice(0, settings.topN);

  let tokens = 0;
  const summaries = new Map<string, string>();
  if (settings.summaries && deps.summarize && top.length) {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(settings.summaryBudgetSeconds * 1000)]);
    for (const item of top) {
      if (deadline.aborted) break;
      try {
        const summary = await deps.summarize(item.paper, deadline);
        summaries.set(item.paper.id, summary.text);
        tokens += summary.tokens;
      } catch {
        break; // out of time or the model is away: the digest goes out without the rest
      }
    }
  }

  const categories = config.arxiv.categories.join(', ');
  const lines: string[] = [];
  if (top.length === 0) {
    lines.push(
      result.quietDay
        ? `*arXiv digest, ${date}*: no new papers today in ${categories}. arXiv announces Sunday to Thursday; the next announcement is ${new Date(result.nextAnnouncementAt).toUTCString()}.`
        : `*arXiv digest, ${date}*: no new papers for you today in ${categories}.`,
    );
  } else {
    lines.push(`*arXiv digest, ${date}* (${categories}): ${top.length} of ${fresh.length} new papers`, '');
    top.forEach((item, index) => {
      lines.push(`${index + 1}. **${item.paper.title}** (${authorsLine(item.paper.authors)})`);
      const summary = summaries.get(item.paper.id);
      if (summary) lines.push(`   ${summary}`);
      lines.push(`   _why: ${item.why}_`, `   ${item.paper.absUrl}`, '');
    });
  }
  const reply: Reply = { text: lines.join('\n').trim(), footer: `local · ${formatTokens(tokens)} · ${formatUsd(0)}` };

  let file: string | undefined;
  if (top.length) {
    const inbox = join(deps.paths.brainDir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    file = join(inbox, `digest-${date}.md`);
    await writeFileAtomic(
      file,
      `---\ntype: digest\ndate: ${date}\ncategories: [${categories}]\npapers: ${top.length}\n---\n\n${reply.text}\n`,
    );
  }
  return { date, found: result.papers.length, ranked: top, reply, quietDay: result.quietDay, ...(file ? { file } : {}) };
}

/** Remember the papers a digest carried so the next one does not repeat them. */
function markSeen(deps: DigestDeps, digest: Digest): void {
  const seen = deps.kv.get<string[]>(SEEN_KEY) ?? [];
  const next = [...seen, ...digest.ranked.map((item) => item.paper.baseId)].slice(-SEEN_CAP);
  deps.kv.set(SEEN_KEY, next, deps.clock.now());
}

/**
 * Queue the digest to each address through the outbox: one row per channel per day (idempotent), each
 * delivered with retries and a receipt, and an admin alert when a channel's retries run out.
 */
export function postDigest(deps: DigestDeps, digest: Digest, addresses: readonly Address[]): number[] {
  const now = deps.clock.now();
  const ids: number[] = [];
  for (const address of addresses) {
    const { id } = deps.outbox.add(
      { address, body: digest.reply, kind: 'post', dedupeKey: `digest:${digest.date}:${address.platform}:${address.chatId}` },
      now,
    );
    ids.push(id);
  }
  deps.kv.set('digest:last', { date: digest.date, outboxIds: ids }, now);
  return ids;
}

/** jobs/arxiv-digest: the daily digest to every subscribed channel. */
export function createDigestJob(deps: DigestDeps): Job {
  return {
    name: 'arxiv-digest',
    cron: deps.config.jobs.digest.cron,
    async run({ signal }) {
      const subscribers = deps.subscriptions.list();
      if (subscribers.length === 0) return 'no channel is subscribed';
      const digest = await buildDigest(deps, signal);
      if (digest.ranked.length === 0 && !deps.config.jobs.digest.postWhenEmpty) {
        return `nothing new (${digest.found} found); nothing posted`;
      }
      const ids = postDigest(
        deps,
        digest,
        subscribers.map((s) => s.address),
      );
      markSeen(deps, digest);
      return `${digest.ranked.length} papers (of ${digest.found} found) queued to ${ids.length} channels`;
    },
  };
}
