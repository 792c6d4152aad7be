import { join, relative } from 'node:path';
import { z } from 'zod';
import type { Privilege } from '../core/access.js';
import type { NoteIndex } from '../core/contracts/note-index.js';
import type { DiscoverResult, Paper } from '../core/contracts/papers.js';
import { describeForUser, isPieBrainError } from '../core/errors.js';
import { BaseTool, type ToolContext, type ToolDeps, type ToolFactory, type ToolResult, type ToolSlashCommand } from './base.js';
import { ArxivClient } from './lib/arxiv-client.js';
import { findSavedNote, savePaperNote } from './lib/arxiv-notes.js';
import { parseArxivIds } from './lib/arxiv-query.js';
import { describeEastern } from './lib/arxiv-schedule.js';

export { ArxivClient, type ArxivClientOptions } from './lib/arxiv-client.js';

const params = z.discriminatedUnion('action', [
  z.object({ action: z.literal('id'), ids: z.array(z.string().min(1)).min(1).max(50) }),
  z.object({ action: z.literal('title'), title: z.string().trim().min(1).max(300) }),
  z.object({
    action: z.literal('discover'),
    categories: z.array(z.string().min(1)).max(20).optional(),
    hours: z.number().positive().max(168).optional(),
  }),
]);
type ArxivParams = z.infer<typeof params>;

/** `/arxiv 2411.01234v2`, `/arxiv attention is all you need`, `/arxiv discover`. */
export function parseArxivArgs(args: string): unknown {
  const text = args.trim();
  if (/^discover$/i.test(text)) return { action: 'discover' };
  const ids = parseArxivIds(text);
  return ids ? { action: 'id', ids } : { action: 'title', title: text };
}

const SHOWN = 10;
const TITLE_RESULTS = 5;
const DISCOVER_MAX = 1000;

function formatAuthors(authors: readonly string[]): string {
  if (authors.length <= 3) return authors.join(', ');
  return `${authors.slice(0, 3).join(', ')} et al.`;
}

interface Filed {
  paper: Paper;
  /** The note in the inbox: this paper's own, or an existing note it duplicates. */
  path: string;
  duplicateOf?: { title: string; similarity: number };
}

export interface ArxivToolOptions {
  client: ArxivClient;
  brainDir: string;
  notes?: NoteIndex | undefined;
  now: () => number;
}

/** arXiv: search by ID or title and Daily Discover; every paper found becomes a note in ~/brain/inbox. */
export class ArxivTool extends BaseTool<typeof params> {
  readonly name = 'arxiv';
  readonly description = 'find arXiv papers by ID or title, or list the newest in my categories (discover); saves each as a note';
  readonly params = params;
  override readonly privileges: readonly Privilege[] = ['read', 'writeNotes'];
  override readonly slashCommands: readonly ToolSlashCommand[] = [
    {
      command: 'arxiv',
      usage: '/arxiv <id | title | discover>',
      description: 'find arXiv papers by ID or title, or the newest in my categories; each becomes a note',
      toParams: parseArxivArgs,
      options: [{ name: 'query', description: 'an arXiv id, a title, or "discover"', type: 'string', required: true }],
    },
  ];
  private readonly inbox: string;

  constructor(private readonly options: ArxivToolOptions) {
    super();
    this.inbox = join(options.brainDir, 'inbox');
  }

  async run(input: ArxivParams, ctx: ToolContext): Promise<ToolResult> {
    try {
      switch (input.action) {
        case 'id':
          return await this.byIds(input.ids, ctx);
        case 'title':
          return await this.byTitle(input.title, ctx);
        case 'discover':
          return await this.discover(input, ctx);
      }
    } catch (error) {
      // arXiv's own errors and outages are answers for the user, not crashes of the task.
      if (ctx.signal.aborted || !isPieBrainError(error) || error.code === 'INTERNAL') throw error;
      ctx.logger.warn({ err: error, code: error.code }, 'arXiv request failed');
      return { text: describeForUser(error), data: { error: error.code } };
    }
  }

  private async byIds(ids: string[], ctx: ToolContext): Promise<ToolResult> {
    const known: string[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const path = await findSavedNote(this.inbox, id);
      if (path) known.push(path);
      else missing.push(id);
    }
    if (missing.length === 0) {
      return {
        text: `Already in your inbox:\n${known.map((path) => `- \`${this.shortPath(path)}\``).join('\n')}`,
        files: known,
        data: { existing: known },
      };
    }
    const papers = await this.options.client.searchByIds(missing, { signal: ctx.signal });
    if (papers.length === 0) return { text: `arXiv has no paper ${missing.join(', ')}.`, data: { papers: [] } };
    return this.reply(await this.file(papers, ctx.signal), `Found ${papers.length === 1 ? 'it' : `${papers.length} papers`}:`, known);
  }

  private async byTitle(title: string, ctx: ToolContext): Promise<ToolResult> {
    const similar = await this.options.notes?.findSimilar(title, { signal: ctx.signal });
    if (similar) {
      return {
        text: `You already have a note on this: *${similar.title}* (\`${this.shortPath(similar.path)}\`, ${Math.round(similar.similarity * 100)}% similar). I did not search arXiv again.`,
        files: [similar.path],
        data: { duplicateOf: similar },
      };
    }
    const papers = await this.options.client.searchByTitle(title, { maxResults: TITLE_RESULTS, signal: ctx.signal });
    if (papers.length === 0) return { text: `arXiv has no paper titled "${title}".`, data: { papers: [] } };
    return this.reply(await this.file(papers, ctx.signal), `Papers titled "${title}":`);
  }

  private async discover(input: { categories?: string[] | undefined; hours?: number | undefined }, ctx: ToolContext): Promise<ToolResult> {
    const result = await this.options.client.discover({
      ...(input.categories ? { categories: input.categories } : {}),
      ...(input.hours ? { hours: input.hours } : {}),
      maxResults: DISCOVER_MAX,
      signal: ctx.signal,
    });
    const window = `${result.categories.join(', ')}, last ${Math.round((result.to - result.from) / 3_600_000)} h`;
    if (result.papers.length === 0) return { text: describeEmptyDiscover(result, window), data: summarize(result) };
    ctx.progress?.(`Found ${result.papers.length} new papers; saving them to your inbox…`);
    const filed = await this.file(result.papers, ctx.signal);
    const more = result.complete ? '' : ` (arXiv lists ${result.total}; I stopped at ${result.papers.length})`;
    return this.reply(filed, `Daily Discover (${window}): ${result.papers.length} new papers${more}, newest first:`, [], summarize(result));
  }

  /** Save each paper's note unless the memory already holds a near-identical one. */
  private async file(papers: Paper[], signal: AbortSignal): Promise<Filed[]> {
    const filed: Filed[] = [];
    for (const paper of papers) {
      const existing = await findSavedNote(this.inbox, paper.id);
      if (existing) {
        filed.push({ paper, path: existing });
        continue;
      }
      const text = `${paper.title}\n\n${paper.abstract}`;
      const similar = await this.options.notes?.findSimilar(text, { signal });
      if (similar) {
        filed.push({ paper, path: similar.path, duplicateOf: { title: similar.title, similarity: similar.similarity } });
        continue;
      }
      const saved = await savePaperNote(this.inbox, paper, this.options.now());
      if (saved.status === 'written') await this.options.notes?.add({ path: saved.path, title: paper.title, text });
      filed.push({ paper, path: saved.path });
    }
    return filed;
  }

  private reply(filed: Filed[], heading: string, alsoKnown: string[] = [], data?: Record<string, unknown>): ToolResult {
    const lines = [heading];
    for (const [index, { paper, path, duplicateOf }] of filed.slice(0, SHOWN).entries()) {
      lines.push(`${index + 1}. *${paper.title}* (${paper.id}; ${paper.categories.join(', ')})`);
      lines.push(`   ${formatAuthors(paper.authors)} · ${paper.published.slice(0, 10)} · ${paper.absUrl}`);
      lines.push(
        duplicateOf
          ? `   already noted as *${duplicateOf.title}* (\`${this.shortPath(path)}\`, ${Math.round(duplicateOf.similarity * 100)}% similar)`
          : `   note: \`${this.shortPath(path)}\``,
      );
    }
    if (filed.length > SHOWN) lines.push(`…and ${filed.length - SHOWN} more, all saved in \`inbox/\`.`);
    for (const path of alsoKnown) lines.push(`Already in your inbox: \`${this.shortPath(path)}\``);
    return {
      text: lines.join('\n'),
      files: [...new Set([...filed.map((f) => f.path), ...alsoKnown])],
      links: filed.slice(0, SHOWN).map(({ paper }) => ({ title: paper.title, url: paper.absUrl })),
      data: { ...data, papers: filed.map(({ paper, path }) => ({ id: paper.id, title: paper.title, path })) },
    };
  }

  private shortPath(path: string): string {
    const short = relative(this.options.brainDir, path);
    return short.startsWith('..') ? path : short;
  }
}

function summarize(result: DiscoverResult): Record<string, unknown> {
  return { total: result.total, quietDay: result.quietDay, complete: result.complete, from: result.from, to: result.to };
}

function describeEmptyDiscover(result: DiscoverResult, window: string): string {
  const next = describeEastern(result.nextAnnouncementAt);
  if (result.quietDay) {
    return `No new papers (${window}): arXiv announces Sunday to Thursday at 20:00 US Eastern (none on Friday and Saturday), and none fell in this window. Next announcement: ${next}.`;
  }
  return `No new papers (${window}) yet: they reach the API a few hours after an announcement, and holidays are skipped. Next announcement: ${next}.`;
}

/** Build the client the tool and the daily digest share (one limiter per clock, one SQLite cache). */
export function createArxivClient(deps: ToolDeps): ArxivClient {
  const { arxiv } = deps.config;
  return new ArxivClient({
    apiUrl: arxiv.apiUrl,
    categories: arxiv.categories,
    minIntervalMs: arxiv.minIntervalMs,
    cacheTtlMinutes: arxiv.cacheTtlMinutes,
    pageSize: arxiv.pageSize,
    clock: deps.clock,
    db: deps.db,
    logger: deps.logger.child({ tool: 'arxiv' }),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}

const factory: ToolFactory = (deps) =>
  new ArxivTool({ client: createArxivClient(deps), brainDir: deps.paths.brainDir, notes: deps.notes, now: () => deps.clock.now() });
export default factory;
