import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { Paper } from '../../core/contracts/papers.js';

/** One page of an arXiv API answer. `error` is set when arXiv answered with its error entry. */
export interface AtomFeed {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  papers: Paper[];
  error?: string;
}

type Node = Record<string, unknown>;

const REPEATED = new Set(['entry', 'author', 'category', 'link']);

// fast-xml-parser is loaded on the first parse, not at start-up: idle memory on a Pi stays low.
let parserInstance: XMLParser | undefined;
function parser(): XMLParser {
  if (parserInstance) return parserInstance;
  const { XMLParser: Parser } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
  parserInstance = new Parser(PARSER_OPTIONS);
  return parserInstance;
}

const PARSER_OPTIONS: ConstructorParameters<typeof XMLParser>[0] = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // IDs like 2411.01230 must stay strings, not become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  isArray: (name) => REPEATED.has(name),
};

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return text((value as Node)['#text']);
  return '';
}

function oneLine(value: unknown): string {
  return text(value).replace(/\s+/g, ' ').trim();
}

function attribute(node: unknown, name: string): string {
  return node && typeof node === 'object' ? text((node as Node)[`@_${name}`]) : '';
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function count(value: unknown): number {
  const number = Number.parseInt(text(value), 10);
  return Number.isFinite(number) ? number : 0;
}

// arXiv writes http:// links; the same pages are served over https.
function secure(url: string): string {
  return url.replace(/^http:\/\/(export\.)?arxiv\.org\//, 'https://arxiv.org/');
}

function isoDate(value: unknown): string {
  const raw = oneLine(value);
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString().replace('.000Z', 'Z');
}

function optional(value: unknown): string | undefined {
  const line = oneLine(value);
  return line || undefined;
}

function toPaper(entry: Node): Paper | undefined {
  const idUrl = oneLine(entry.id);
  const id = /\/abs\/(.+)$/.exec(idUrl)?.[1];
  if (!id) return undefined;
  const version = Number(/v(\d+)$/.exec(id)?.[1] ?? 1);
  const baseId = id.replace(/v\d+$/, '');
  const links = list(entry.link);
  const linkWhere = (match: (link: unknown) => boolean) => attribute(links.find(match), 'href');
  const primary = attribute(entry['arxiv:primary_category'], 'term');
  const categories = list(entry.category)
    .map((category) => attribute(category, 'term'))
    .filter(Boolean);
  const ordered = primary ? [primary, ...categories.filter((c) => c !== primary)] : categories;
  const paper: Paper = {
    id,
    baseId,
    version,
    title: oneLine(entry.title),
    authors: list(entry.author)
      .map((author) => oneLine((author as Node | undefined)?.name))
      .filter(Boolean),
    abstract: oneLine(entry.summary),
    categories: ordered,
    primaryCategory: primary || ordered[0] || '',
    published: isoDate(entry.published),
    updated: isoDate(entry.updated),
    absUrl: secure(linkWhere((link) => attribute(link, 'rel') === 'alternate') || `https://arxiv.org/abs/${id}`),
    pdfUrl: secure(linkWhere((link) => attribute(link, 'title') === 'pdf') || `https://arxiv.org/pdf/${id}`),
  };
  const doi = optional(entry['arxiv:doi']);
  const journalRef = optional(entry['arxiv:journal_ref']);
  const comment = optional(entry['arxiv:comment']);
  if (doi) paper.doi = doi;
  if (journalRef) paper.journalRef = journalRef;
  if (comment) paper.comment = comment;
  return paper;
}

function isErrorEntry(entry: Node): boolean {
  return oneLine(entry.title) === 'Error' && /\/api\/errors/.test(oneLine(entry.id));
}

/**
 * Parse an arXiv API answer (Atom 1.0 with opensearch and arxiv extensions). Throws when the text is not
 * an Atom feed at all; an arXiv error entry comes back as `error`.
 */
export function parseAtomFeed(xml: string): AtomFeed {
  const document = parser().parse(xml) as Node;
  const feed = document.feed as Node | undefined;
  if (!feed || typeof feed !== 'object') throw new SyntaxError('not an Atom feed');
  const entries = list(feed.entry) as Node[];
  const failed = entries.find(isErrorEntry);
  const result: AtomFeed = {
    totalResults: count(feed['opensearch:totalResults']),
    startIndex: count(feed['opensearch:startIndex']),
    itemsPerPage: count(feed['opensearch:itemsPerPage']),
    papers: failed ? [] : entries.map(toPaper).filter((paper): paper is Paper => paper !== undefined),
  };
  if (failed) result.error = oneLine(failed.summary) || 'arXiv reported an error without a message';
  return result;
}
