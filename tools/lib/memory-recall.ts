import { pathToFileURL } from 'node:url';
import type { ToolContext, ToolResult } from '../../core/contracts/tool.js';
import { describeForUser, isPieBrainError } from '../../core/errors.js';
import { isEmbedderUnavailable } from '../../core/memory-log/embedder-unavailable.js';
import { describeEvent } from '../../core/memory-log/event-lines.js';
import { type FoundEvent, type MemoryLog, type NearEvent, seesOthers, type Viewer } from '../../core/memory-log/memory-log.js';
import type { NoteHit, NoteStore } from './note-store.js';
import { findNotesByWords } from './note-text-search.js';

export interface MemoryRecallOptions {
  store: NoteStore;
  inboxDir: string;
  /** The event log; without one, only notes are searched. */
  log?: MemoryLog | undefined;
  timeZone: string;
}

export const FIND_USAGE = '`/memory find <words>`';

export function formatSimilarity(similarity: number): string {
  return Math.max(0, similarity).toFixed(2);
}

export function linksOf(hits: ReadonlyArray<{ title: string; path: string }>): Array<{ title: string; url: string }> {
  return hits.map((hit) => ({ title: hit.title, url: pathToFileURL(hit.path).href }));
}

/** The reader of the log: the asker, in the chat where the answer will be seen. */
function viewerOf(ctx: ToolContext): Viewer {
  return { actor: ctx.actor, chatId: ctx.address.chatId };
}

function quoted(text: string): string {
  return `“${text.trim().slice(0, 100)}”`;
}

/**
 * Reading memory back: notes and events by meaning, events by words, and the log itself. Every answer is
 * marked `recall`, so the event log does not store the recalled text again. Events are the asker's own, and
 * for those who operate pie-brain also the events of the chat they ask in.
 */
export class MemoryRecall {
  constructor(private readonly options: MemoryRecallOptions) {}

  /** Notes and events closest in meaning; a text search, saying why, when no embedder can run. */
  async search(query: string, limit: number, ctx: ToolContext): Promise<ToolResult> {
    const { store, log } = this.options;
    let notes: NoteHit[];
    let events: NearEvent[] = [];
    try {
      notes = await store.search(query, limit, ctx.signal);
      if (log) {
        events = await log.searchByMeaning(viewerOf(ctx), query, store.embedder, {
          limit,
          signal: ctx.signal,
          ...(ctx.taskId !== null ? { excludeTaskId: ctx.taskId } : {}),
        });
      }
    } catch (error) {
      if (ctx.signal.aborted || !isEmbedderUnavailable(error)) throw error;
      ctx.logger.warn({ err: error }, 'no embedder: searching memory by words');
      return this.searchByWords(query, limit, ctx, describeForUser(error));
    }
    if (notes.length === 0 && events.length === 0) {
      return {
        text: 'My memory is empty so far. Save a note with `/memory save <text>`; papers I file in the inbox are remembered too.',
        recall: true,
      };
    }
    const lines: string[] = [];
    if (notes.length) {
      lines.push(`*Notes closest to* ${quoted(query)}:`);
      notes.forEach((hit, i) => {
        lines.push(`${i + 1}. *${hit.title}* (similarity ${formatSimilarity(hit.similarity)}): \`${hit.path}\``);
      });
    }
    if (events.length) {
      if (lines.length) lines.push('');
      lines.push(`*Events closest to* ${quoted(query)}:`);
      events.forEach((event, i) => {
        lines.push(`${i + 1}. ${this.describe(event, ctx)} (similarity ${formatSimilarity(event.similarity)})`);
      });
    }
    return {
      text: lines.join('\n'),
      links: linksOf(notes),
      recall: true,
      data: {
        hits: notes.map(({ path, title, similarity }) => ({ path, title, similarity })),
        events: events.map(({ id, similarity }) => ({ id, similarity })),
      },
    };
  }

  /** The log's last `limit` events, oldest first. */
  log(limit: number, ctx: ToolContext): ToolResult {
    const { log } = this.options;
    if (!log) return { text: 'No event log is kept here.', recall: true };
    const events = log.recent(viewerOf(ctx), limit);
    if (events.length === 0) return { text: 'Nothing in the log yet.', recall: true };
    const others = seesOthers(viewerOf(ctx));
    const header = `*${others ? 'The last' : 'Your last'} ${events.length} event${events.length === 1 ? '' : 's'}*${others ? ' (yours and this chat’s)' : ''}, oldest first:`;
    return {
      text: [header, ...events.map((event) => `- ${this.describe(event, ctx)}`)].join('\n'),
      recall: true,
      data: { events: events.map((event) => event.id) },
    };
  }

  /** Events holding every word, best match first, with the matching words marked. */
  find(words: string, limit: number, ctx: ToolContext): ToolResult {
    const { log } = this.options;
    if (!log) return { text: 'No event log is kept here.', recall: true };
    const found = this.findEvents(log, words, limit, ctx);
    if (!found) return { text: `Give me some words to look for: ${FIND_USAGE}`, recall: true };
    if (found.length === 0) {
      const whose = seesOthers(viewerOf(ctx)) ? ' of yours or this chat’s' : ' of yours';
      return { text: `No event${whose} mentions ${quoted(words)}.`, recall: true, data: { events: [] } };
    }
    const lines = [
      `*Events mentioning* ${quoted(words)}:`,
      ...found.map((event, i) => `${i + 1}. ${this.describe(event, ctx, event.snippet)}`),
    ];
    return { text: lines.join('\n'), recall: true, data: { events: found.map((event) => event.id) } };
  }

  private searchByWords(query: string, limit: number, ctx: ToolContext, reason: string): ToolResult {
    const notes = findNotesByWords(this.options.inboxDir, query, limit);
    const lines = [`I cannot search by meaning right now (${reason}), so I searched by words instead.`];
    if (notes.length) {
      lines.push('', `*Notes containing* ${quoted(query)}:`);
      notes.forEach((note, i) => {
        lines.push(`${i + 1}. *${note.title}*: \`${note.path}\``);
      });
    }
    const { log } = this.options;
    const events = (log && this.findEvents(log, query, limit, ctx)) || [];
    if (events.length) {
      lines.push('', `*Events mentioning* ${quoted(query)}:`);
      events.forEach((event, i) => {
        lines.push(`${i + 1}. ${this.describe(event, ctx, event.snippet)}`);
      });
    }
    if (!notes.length && !events.length) lines.push('', `Nothing I keep contains ${quoted(query)}.`);
    return {
      text: lines.join('\n'),
      links: linksOf(notes),
      recall: true,
      data: { byWords: true, hits: notes.map(({ path, title }) => ({ path, title })), events: events.map((event) => event.id) },
    };
  }

  /** Events holding the words; undefined when the text has no word to look for. */
  private findEvents(log: MemoryLog, words: string, limit: number, ctx: ToolContext): FoundEvent[] | undefined {
    try {
      return log.find(viewerOf(ctx), words, { limit, ...(ctx.taskId !== null ? { excludeTaskId: ctx.taskId } : {}) });
    } catch (error) {
      if (isPieBrainError(error) && error.code === 'VALIDATION') return undefined;
      throw error;
    }
  }

  private describe(event: Parameters<typeof describeEvent>[0], ctx: ToolContext, text?: string): string {
    return describeEvent(event, {
      timeZone: this.options.timeZone,
      showUser: seesOthers(viewerOf(ctx)),
      ...(text !== undefined ? { text } : {}),
    });
  }
}
