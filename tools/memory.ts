import { join } from 'node:path';
import { z } from 'zod';
import { type Privilege, requirePrivileges } from '../core/access.js';
import { type Clock, systemClock } from '../core/lib/clock.js';
import { Semaphore } from '../core/lib/semaphore.js';
import type { MemoryLog } from '../core/memory-log/memory-log.js';
import { BaseTool, type ToolContext, type ToolFactory, type ToolResult, type ToolSlashCommand } from './base.js';
import { formatSimilarity, linksOf, MemoryRecall } from './lib/memory-recall.js';
import { titleFromText, writeInboxNote } from './lib/note-files.js';
import type { NoteStore } from './lib/note-store.js';
import { type MemoryDeps, openNoteStore } from './lib/open-memory.js';

/** The most events one `/memory log` shows. */
export const MAX_LOG_EVENTS = 50;

const params = z.object({
  action: z
    .enum(['search', 'save', 'reindex', 'log', 'find'])
    .default('search')
    .describe(
      'search notes and past events by meaning, save a new note, show the event log, find past events by words, or rebuild the index (admin)',
    ),
  text: z.string().max(20_000).default('').describe('the search query or words, or the text of the note to save'),
  limit: z.number().int().min(1).max(MAX_LOG_EVENTS).default(5).describe('how many results (or log events) to return'),
});

type MemoryParams = z.infer<typeof params>;

const USAGE =
  '`/memory <query>` searches my notes and what happened by meaning; `/memory save <text>` keeps a new note; `/memory log [n]` shows your last events; `/memory find <words>` finds events by words.';

/** `/memory save x` saves, `/memory log [n]` and `/memory find x` read the event log, `/memory reindex` rebuilds, anything else is a search query. */
export function parseMemoryArgs(args: string): MemoryParams {
  const trimmed = args.trim();
  const save = /^save(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (save) return { action: 'save', text: (save[1] ?? '').trim(), limit: 5 };
  if (/^reindex$/i.test(trimmed)) return { action: 'reindex', text: '', limit: 5 };
  const log = /^log(?:\s+(\d+))?$/i.exec(trimmed);
  if (log) return { action: 'log', text: '', limit: Math.min(MAX_LOG_EVENTS, Math.max(1, Number(log[1] ?? 10))) };
  const find = /^find(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (find) return { action: 'find', text: (find[1] ?? '').trim(), limit: 10 };
  return { action: 'search', text: trimmed, limit: 5 };
}

/**
 * The memory: semantic search over ~/brain/inbox and the event log, new notes that are not already known,
 * and the event log read back (`log`, `find`): everyone their own events, operators also the events of the chat they ask in.
 */
export class MemoryTool extends BaseTool<typeof params> {
  readonly name = 'memory';
  readonly description = 'search my notes, saved papers and what happened before, by meaning or by words; or save a new note';
  readonly params = params;
  override readonly slashCommands: readonly ToolSlashCommand[] = [
    {
      command: 'memory',
      usage: '/memory <query> | save <text> | log [n] | find <words>',
      toParams: parseMemoryArgs,
      options: [
        {
          name: 'query',
          description: 'what to look for; "save" and a note; "log" and a count; "find" and words',
          type: 'string',
          required: true,
        },
      ],
    },
  ];
  override readonly privileges: readonly Privilege[] = ['read', 'writeNotes'];

  private readonly saving = new Semaphore(1);
  private readonly recall: MemoryRecall;

  constructor(
    private readonly store: NoteStore,
    private readonly inboxDir: string,
    private readonly clock: Clock = systemClock,
    options: { log?: MemoryLog | undefined; timeZone?: string } = {},
  ) {
    super();
    this.recall = new MemoryRecall({ store, inboxDir, log: options.log, timeZone: options.timeZone ?? 'UTC' });
  }

  async run(input: MemoryParams, ctx: ToolContext): Promise<ToolResult> {
    switch (input.action) {
      case 'save':
        return this.save(input.text, ctx);
      case 'reindex':
        return this.reindex(ctx);
      case 'log':
        return this.recall.log(input.limit, ctx);
      case 'find':
        return this.recall.find(input.text, input.limit, ctx);
      default:
        if (!input.text.trim()) return { text: USAGE };
        return this.recall.search(input.text, input.limit, ctx);
    }
  }

  private async save(text: string, ctx: ToolContext): Promise<ToolResult> {
    if (!text.trim()) return { text: `Nothing to save. ${USAGE}` };
    // One save at a time: two requests saving the same text at once must not both pass the dedup check,
    // and two notes with the same first line must not pick the same file name.
    return this.saving.run(() => this.saveNow(text, ctx));
  }

  private async saveNow(text: string, ctx: ToolContext): Promise<ToolResult> {
    // The seed's dedup rule: a note that is already known is not written twice.
    const known = await this.store.findSimilar(text);
    if (known) {
      return {
        text: `I already have this: *${known.title}* (similarity ${formatSimilarity(known.similarity)}) in \`${known.path}\`. Not saved again.`,
        links: linksOf([known]),
        data: { duplicate: true, existing: known },
      };
    }
    const note = await writeInboxNote(this.inboxDir, { title: titleFromText(text), text, createdAt: this.clock.now(), source: 'memory' });
    await this.store.add(note);
    ctx.logger.info({ path: note.path }, 'note saved');
    // Saved either way; without the embedding model it is indexed (and searchable) once the model is there.
    const waiting = this.store.unavailable()
      ? ' Search by meaning resumes once the embedding model is there; the note will be indexed then.'
      : '';
    return {
      text: `Saved *${note.title}* to \`${note.path}\`.${waiting}`,
      files: [note.path],
      links: linksOf([note]),
      data: { duplicate: false, path: note.path },
    };
  }

  private async reindex(ctx: ToolContext): Promise<ToolResult> {
    requirePrivileges(ctx.actor, ['operate'], '`/memory reindex`');
    const count = await this.store.reindex(ctx.signal);
    return { text: `Re-indexed ${count} note${count === 1 ? '' : 's'} from \`${this.inboxDir}\`.`, data: { indexed: count } };
  }
}

/** The memory tool over the shared note store of this data dir, and the event log when there is one. */
export function createMemoryTool(deps: MemoryDeps & { memoryLog?: MemoryLog | undefined }): MemoryTool {
  const store = openNoteStore(deps);
  return new MemoryTool(store, join(deps.paths.brainDir, 'inbox'), deps.clock, { log: deps.memoryLog, timeZone: deps.config.timeZone });
}

const factory: ToolFactory = (deps) => createMemoryTool(deps);
export default factory;
