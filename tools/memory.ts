import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type Clock, systemClock } from '../core/lib/clock.js';
import { Semaphore } from '../core/lib/semaphore.js';
import { BaseTool, type ToolContext, type ToolFactory, type ToolResult, type ToolSlashCommand } from './base.js';
import { titleFromText, writeInboxNote } from './lib/note-files.js';
import { isEmbedderUnavailable, type NoteHit, type NoteStore } from './lib/note-store.js';
import { type MemoryDeps, openNoteStore } from './lib/open-memory.js';

const params = z.object({
  action: z.enum(['search', 'save', 'reindex']).default('search').describe('search notes, save a new note, or rebuild the index (admin)'),
  text: z.string().max(20_000).default('').describe('the search query, or the text of the note to save'),
  limit: z.number().int().min(1).max(20).default(5).describe('how many notes a search returns'),
});

type MemoryParams = z.infer<typeof params>;

const USAGE = '`/memory <query>` searches my notes by meaning; `/memory save <text>` keeps a new note.';

/** `/memory save x` saves, `/memory reindex` rebuilds, anything else is a search query. */
export function parseMemoryArgs(args: string): MemoryParams {
  const trimmed = args.trim();
  const save = /^save(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (save) return { action: 'save', text: (save[1] ?? '').trim(), limit: 5 };
  if (/^reindex$/i.test(trimmed)) return { action: 'reindex', text: '', limit: 5 };
  return { action: 'search', text: trimmed, limit: 5 };
}

function formatSimilarity(similarity: number): string {
  return Math.max(0, similarity).toFixed(2);
}

function linksOf(hits: ReadonlyArray<{ title: string; path: string }>): Array<{ title: string; url: string }> {
  return hits.map((hit) => ({ title: hit.title, url: pathToFileURL(hit.path).href }));
}

/** The vector memory: semantic search over ~/brain/inbox, and new notes that are not already known. */
export class MemoryTool extends BaseTool<typeof params> {
  readonly name = 'memory';
  readonly description = 'search my notes and saved papers by meaning, or save a new note';
  readonly params = params;
  override readonly slashCommands: readonly ToolSlashCommand[] = [
    { command: 'memory', usage: '/memory <query> | /memory save <text>', toParams: parseMemoryArgs },
  ];

  private readonly saving = new Semaphore(1);

  constructor(
    private readonly store: NoteStore,
    private readonly inboxDir: string,
    private readonly clock: Clock = systemClock,
  ) {
    super();
  }

  async run(input: MemoryParams, ctx: ToolContext): Promise<ToolResult> {
    switch (input.action) {
      case 'save':
        return this.save(input.text, ctx);
      case 'reindex':
        return this.reindex(ctx);
      default:
        return this.search(input.text, input.limit, ctx);
    }
  }

  private async search(query: string, limit: number, ctx: ToolContext): Promise<ToolResult> {
    if (!query.trim()) return { text: USAGE };
    let hits: NoteHit[];
    try {
      hits = await this.store.search(query, limit, ctx.signal);
    } catch (error) {
      if (!isEmbedderUnavailable(error)) throw error;
      return {
        text: `I cannot search by meaning right now: ${error.userMessage ?? error.message} Your notes are safe in \`${this.inboxDir}\`; search works again once the embedding model is there.`,
        data: { unavailable: error.code },
      };
    }
    if (hits.length === 0) {
      return { text: 'My memory is empty so far. Save a note with `/memory save <text>`; papers I file in the inbox are remembered too.' };
    }
    const lines = [`*Notes closest to* “${query.trim().slice(0, 100)}”:`, ...hits.map((hit, i) => `${i + 1}. ${this.describeHit(hit)}`)];
    return {
      text: lines.join('\n'),
      links: linksOf(hits),
      data: { hits: hits.map(({ path, title, similarity }) => ({ path, title, similarity })) },
    };
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
    if (!ctx.isAdmin) return { text: '`/memory reindex` is for admins only.' };
    const count = await this.store.reindex(ctx.signal);
    return { text: `Re-indexed ${count} note${count === 1 ? '' : 's'} from \`${this.inboxDir}\`.`, data: { indexed: count } };
  }

  private describeHit(hit: NoteHit): string {
    return `*${hit.title}* (similarity ${formatSimilarity(hit.similarity)}): \`${hit.path}\``;
  }
}

/** The memory tool over the shared note store of this data dir. */
export function createMemoryTool(deps: MemoryDeps): MemoryTool {
  const store = openNoteStore(deps);
  return new MemoryTool(store, join(deps.paths.brainDir, 'inbox'), deps.clock);
}

const factory: ToolFactory = (deps) => createMemoryTool(deps);
export default factory;
