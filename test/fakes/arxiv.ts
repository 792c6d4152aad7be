import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A paper in the fake's catalogue; `id` carries the latest version (`2411.01230v2`). */
export interface FakePaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  /** The primary category first. */
  categories: string[];
  /** ISO 8601. */
  published: string;
  updated?: string;
  doi?: string;
  journalRef?: string;
  comment?: string;
}

export interface ArxivRequest {
  path: string;
  params: Record<string, string>;
  userAgent: string | undefined;
  /** The injected clock's time when the request arrived (Date.now() without one). */
  at: number;
}

/** A scripted answer: used once, in order, instead of the catalogue. */
export interface ScriptedAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Hold the answer this long (real time): a slow arXiv. */
  delayMs?: number;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"';
const OPENSEARCH_NS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"';

// The entry exactly as arXiv writes it: http links, namespaces declared on each extension element, titles wrapped.
function renderEntry(paper: FakePaper, id: string): string {
  const wrappedTitle = paper.title.length > 60 ? `${paper.title.slice(0, 60)}\n  ${paper.title.slice(60)}` : paper.title;
  const lines = [
    '  <entry>',
    `    <id>http://arxiv.org/abs/${id}</id>`,
    `    <updated>${paper.updated ?? paper.published}</updated>`,
    `    <published>${paper.published}</published>`,
    `    <title>${escapeXml(wrappedTitle)}</title>`,
    `    <summary>  ${escapeXml(paper.abstract)}\n</summary>`,
    ...paper.authors.map((name) => `    <author>\n      <name>${escapeXml(name)}</name>\n    </author>`),
  ];
  if (paper.doi) {
    lines.push(`    <arxiv:doi ${ARXIV_NS}>${escapeXml(paper.doi)}</arxiv:doi>`);
    lines.push(`    <link title="doi" href="http://dx.doi.org/${escapeXml(paper.doi)}" rel="related"/>`);
  }
  if (paper.comment) lines.push(`    <arxiv:comment ${ARXIV_NS}>${escapeXml(paper.comment)}</arxiv:comment>`);
  if (paper.journalRef) lines.push(`    <arxiv:journal_ref ${ARXIV_NS}>${escapeXml(paper.journalRef)}</arxiv:journal_ref>`);
  lines.push(
    `    <link href="http://arxiv.org/abs/${id}" rel="alternate" type="text/html"/>`,
    `    <link title="pdf" href="http://arxiv.org/pdf/${id}" rel="related" type="application/pdf"/>`,
    `    <arxiv:primary_category ${ARXIV_NS} term="${paper.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>`,
    ...paper.categories.map((term) => `    <category term="${term}" scheme="http://arxiv.org/schemas/atom"/>`),
    '  </entry>',
  );
  return lines.join('\n');
}

/** An arXiv API answer page: Atom with the opensearch counters. */
export function renderFeed(entries: Array<{ paper: FakePaper; id: string }>, total: number, start: number, query: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <link href="http://arxiv.org/api/query?${escapeXml(query)}" rel="self" type="application/atom+xml"/>`,
    `  <title type="html">ArXiv Query: ${escapeXml(query)}</title>`,
    '  <id>http://arxiv.org/api/fake</id>',
    '  <updated>2026-11-23T00:00:00-05:00</updated>',
    `  <opensearch:totalResults ${OPENSEARCH_NS}>${total}</opensearch:totalResults>`,
    `  <opensearch:startIndex ${OPENSEARCH_NS}>${start}</opensearch:startIndex>`,
    `  <opensearch:itemsPerPage ${OPENSEARCH_NS}>${entries.length}</opensearch:itemsPerPage>`,
    ...entries.map(({ paper, id }) => renderEntry(paper, id)),
    '</feed>',
    '',
  ].join('\n');
}

/** arXiv's error form: one entry titled Error, the message in summary. */
export function renderErrorFeed(message: string): string {
  const slug = message.replace(/\W+/g, '_');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" ${OPENSEARCH_NS}>`,
    `  <opensearch:totalResults ${OPENSEARCH_NS}>1</opensearch:totalResults>`,
    `  <opensearch:startIndex ${OPENSEARCH_NS}>0</opensearch:startIndex>`,
    `  <opensearch:itemsPerPage ${OPENSEARCH_NS}>1</opensearch:itemsPerPage>`,
    '  <entry>',
    `    <id>http://arxiv.org/api/errors#${slug}</id>`,
    '    <title>Error</title>',
    `    <summary>${escapeXml(message)}</summary>`,
    '    <updated>2026-11-23T00:00:00-05:00</updated>',
    `    <link href="http://arxiv.org/api/errors#${slug}" rel="alternate" type="text/html"/>`,
    '    <author>\n      <name>arXiv api core</name>\n    </author>',
    '  </entry>',
    '</feed>',
    '',
  ].join('\n');
}

const ID_FORMAT = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

function parseSubmitted(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
}

/**
 * A loopback arXiv export API: answers `id_list`, `ti:"phrase"` and `(cat:X OR cat:Y) AND submittedDate:[A TO B]`
 * queries from its catalogue with paging, answers a malformed ID with the error entry (HTTP 400, as arXiv
 * does), records every request, and plays scripted answers (503, slow, raw bodies) first.
 */
export class FakeArxiv {
  readonly requests: ArxivRequest[] = [];
  readonly papers: FakePaper[];
  private readonly script: ScriptedAnswer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    papers: FakePaper[],
    private readonly now: () => number,
  ) {
    this.papers = papers;
  }

  static async start(options: { papers?: FakePaper[]; now?: () => number } = {}): Promise<FakeArxiv> {
    let fake: FakeArxiv | undefined;
    const server = createServer((request, response) => fake?.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeArxiv(server, `http://127.0.0.1:${port}/api/query`, options.papers ?? [], options.now ?? Date.now);
    return fake;
  }

  /** The next requests get these answers, in order, before the catalogue answers again. */
  respondNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    this.requests.push({
      path: url.pathname,
      params: Object.fromEntries(url.searchParams),
      userAgent: request.headers['user-agent'],
      at: this.now(),
    });
    const scripted = this.script.shift();
    const answer = scripted ?? this.answer(url.searchParams);
    const send = () => {
      if (response.destroyed) return;
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/atom+xml; charset=utf-8', ...answer.headers });
      response.end(answer.body ?? '');
    };
    if (answer.delayMs) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, answer.delayMs);
      this.timers.add(timer);
    } else send();
  }

  private answer(params: URLSearchParams): ScriptedAnswer {
    const start = Number(params.get('start') ?? 0);
    const max = Number(params.get('max_results') ?? 10);
    const query = params.toString();
    const idList = params.get('id_list');
    if (idList) {
      const ids = idList.split(',');
      const bad = ids.find((id) => !ID_FORMAT.test(id));
      if (bad) return { status: 400, body: renderErrorFeed(`incorrect id format for ${bad}`) };
      const entries = ids.flatMap((id) => {
        const base = id.replace(/v\d+$/, '');
        const paper = this.papers.find((p) => p.id.replace(/v\d+$/, '') === base);
        return paper ? [{ paper, id: /v\d+$/.test(id) ? id : paper.id }] : [];
      });
      return { body: renderFeed(entries, entries.length, 0, query) };
    }
    const search = params.get('search_query') ?? '';
    let matches: FakePaper[] = [];
    const phrase = /ti:"([^"]*)"/.exec(search)?.[1];
    const window = /submittedDate:\[(\d{12}) TO (\d{12})\]/.exec(search);
    if (phrase !== undefined) {
      matches = this.papers.filter((p) => p.title.toLowerCase().includes(phrase.toLowerCase()));
    } else if (window?.[1] && window[2]) {
      const from = parseSubmitted(window[1]);
      const to = parseSubmitted(window[2]);
      const cats = [...search.matchAll(/cat:([\w.-]+)/g)].map((m) => m[1]);
      matches = this.papers
        .filter((p) => p.categories.some((c) => cats.includes(c)))
        .filter((p) => Date.parse(p.published) >= from && Date.parse(p.published) <= to)
        .sort((a, b) => Date.parse(b.published) - Date.parse(a.published));
    } else {
      return { status: 400, body: renderErrorFeed(`malformed query: ${search}`) };
    }
    const page = matches.slice(start, start + max).map((paper) => ({ paper, id: paper.id }));
    return { body: renderFeed(page, matches.length, start, query) };
  }
}

/** A catalogue of `count` papers submitted every `spacingMs` before `newest`, in the given categories. */
export function makePapers(count: number, newest: number, spacingMs: number, categories: string[][] = [['cs.CL', 'cs.AI']]): FakePaper[] {
  return Array.from({ length: count }, (_, i) => {
    const published = new Date(newest - i * spacingMs).toISOString().replace('.000Z', 'Z');
    return {
      id: `2611.${String(10_000 + i).padStart(5, '0')}v1`,
      title: `Paper number ${i}: efficient inference for small models`,
      abstract: `Abstract of paper ${i}, about efficient inference on edge devices.`,
      authors: [`Author ${i}`, `Coauthor ${i}`],
      categories: categories[i % categories.length] ?? ['cs.CL'],
      published,
    };
  });
}
