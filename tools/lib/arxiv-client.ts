import type { DiscoverOptions, DiscoverResult, Paper, PaperSource } from '../../core/contracts/papers.js';
import { PieBrainError } from '../../core/errors.js';
import { type Clock, sleep } from '../../core/lib/clock.js';
import { RequestSpacer } from '../../core/lib/request-spacer.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../storage/db.js';
import { FetchCache } from '../../storage/fetch-cache.js';
import { type AtomFeed, parseAtomFeed } from './arxiv-atom.js';
import { buildQueryUrl, discoverQuery, isCategory, normalizeArxivId, type QueryParams, toTitlePhrase } from './arxiv-query.js';
import { announcedBetween, nextAnnouncementAt } from './arxiv-schedule.js';

export const ARXIV_USER_AGENT = 'pie-brain/0.1 (a personal research assistant on a Raspberry Pi; arXiv API client)';

/** arXiv's own ceiling for one query. */
const MAX_PER_QUERY = 30_000;
const HOUR_MS = 3_600_000;

export interface ArxivClientOptions {
  /** config arxiv: apiUrl, categories, minIntervalMs, cacheTtlMinutes, pageSize. */
  apiUrl: string;
  categories: readonly string[];
  minIntervalMs: number;
  cacheTtlMinutes: number;
  pageSize: number;
  clock: Clock;
  db: Db;
  logger: Logger;
  fetch?: typeof fetch;
  /** One request (headers and body) must finish within this; 30 s by default. */
  requestTimeoutMs?: number;
  /** Extra attempts after a 503, a 429, a timeout or a network failure; 2 by default. */
  retries?: number;
}

// One limiter per clock, so every client in the process (the tool, the digest job) shares the real clock's:
// arXiv counts requests per user, not per object.
const spacers = new WeakMap<Clock, RequestSpacer>();

function sharedSpacer(clock: Clock): RequestSpacer {
  let spacer = spacers.get(clock);
  if (!spacer) {
    spacer = new RequestSpacer(clock);
    spacers.set(clock, spacer);
  }
  return spacer;
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function tryParse(body: string): AtomFeed | undefined {
  try {
    return parseAtomFeed(body);
  } catch {
    return undefined;
  }
}

/**
 * arXiv's export API under its terms of use: one request at a time and `minIntervalMs` between requests
 * (shared by every client on the same clock), a User-Agent naming pie-brain, answers cached in SQLite for
 * `cacheTtlMinutes`, bounded retries with backoff. Errors are PieBrainErrors with a `userMessage`.
 */
export class ArxivClient implements PaperSource {
  private readonly spacer: RequestSpacer;
  private readonly cache: FetchCache;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: ArxivClientOptions) {
    this.spacer = sharedSpacer(options.clock);
    this.cache = new FetchCache(options.db);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
  }

  /** Papers by ID; an ID with a version (`v2`) returns that version. Unknown IDs are left out. */
  async searchByIds(ids: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Paper[]> {
    const normalized = ids.map((id) => {
      const clean = normalizeArxivId(id);
      if (!clean) throw new PieBrainError('VALIDATION', `not an arXiv ID: ${id}`, { userMessage: `"${id}" is not an arXiv ID.` });
      return clean;
    });
    if (normalized.length === 0) return [];
    const feed = await this.query({ id_list: normalized.join(','), start: 0, max_results: normalized.length }, options.signal);
    return feed.papers;
  }

  /** Papers whose title contains the phrase, most relevant first. */
  async searchByTitle(title: string, options: { maxResults?: number; signal?: AbortSignal } = {}): Promise<Paper[]> {
    const phrase = toTitlePhrase(title);
    if (!phrase) throw new PieBrainError('VALIDATION', 'empty title', { userMessage: 'Give me a title (or an arXiv ID) to look for.' });
    const feed = await this.query(
      { search_query: `ti:"${phrase}"`, start: 0, max_results: options.maxResults ?? 5, sortBy: 'relevance', sortOrder: 'descending' },
      options.signal,
    );
    return feed.papers;
  }

  /**
   * Daily Discover: papers submitted in the window that ends now (rounded down to the hour, so repeats
   * within the hour hit the cache) in the configured categories, paging `pageSize` at a time.
   */
  async discover(options: DiscoverOptions = {}): Promise<DiscoverResult> {
    const categories = [...(options.categories ?? this.options.categories)];
    const bad = categories.filter((category) => !isCategory(category));
    if (categories.length === 0 || bad.length > 0) {
      throw new PieBrainError('VALIDATION', `bad arXiv categories: ${bad.join(', ') || '(none)'}`, {
        userMessage: bad.length
          ? `These are not arXiv categories: ${bad.join(', ')}.`
          : 'No arXiv categories are configured (arxiv.categories).',
      });
    }
    const to = Math.floor(this.options.clock.now() / HOUR_MS) * HOUR_MS;
    const from = to - (options.hours ?? 24) * HOUR_MS;
    const maxResults = Math.min(options.maxResults ?? 2000, MAX_PER_QUERY);
    const search = discoverQuery(categories, from, to);
    const papers: Paper[] = [];
    let total = 0;
    let complete = true;
    for (let start = 0; start < maxResults; ) {
      const pageSize = Math.min(this.options.pageSize, maxResults - start);
      const feed = await this.query(
        { search_query: search, start, max_results: pageSize, sortBy: 'submittedDate', sortOrder: 'descending' },
        options.signal,
      );
      total = feed.totalResults;
      papers.push(...feed.papers);
      start += pageSize;
      if (start >= total) break;
      // arXiv sometimes returns a short page mid-way: stop rather than loop on it.
      if (feed.papers.length < pageSize || start >= maxResults) {
        complete = false;
        break;
      }
    }
    const now = this.options.clock.now();
    return {
      papers,
      total,
      categories,
      from,
      to,
      quietDay: !announcedBetween(from, to),
      nextAnnouncementAt: nextAnnouncementAt(now),
      complete,
    };
  }

  private async query(params: QueryParams, signal: AbortSignal | undefined): Promise<AtomFeed> {
    const url = buildQueryUrl(this.options.apiUrl, params);
    const ttlMs = this.options.cacheTtlMinutes * 60_000;
    const cached = ttlMs > 0 ? this.cache.get(url, this.options.clock.now(), ttlMs) : undefined;
    if (cached !== undefined) {
      const feed = tryParse(cached);
      if (feed && !feed.error) return feed;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        const body = await this.spacer.run(this.options.minIntervalMs, () => this.request(url, signal), signal);
        const feed = tryParse(body);
        if (!feed) {
          throw new PieBrainError('UPSTREAM_FAILED', 'arXiv answered with something that is not an Atom feed', {
            userMessage: 'arXiv answered with something I cannot read; try again later.',
          });
        }
        if (feed.error) throw this.apiError(feed.error);
        if (ttlMs > 0) this.cache.set(url, body, this.options.clock.now(), ttlMs);
        return feed;
      } catch (error) {
        if (signal?.aborted || !(error instanceof PieBrainError) || !error.retryable || attempt >= this.retries) throw error;
        const delay = Math.min(60_000, Math.max(error.retryAfterMs ?? 0, 5_000 * 2 ** attempt));
        this.options.logger.warn({ code: error.code, attempt: attempt + 1, delayMs: delay }, 'arXiv request failed; retrying');
        await sleep(this.options.clock, delay, signal);
      }
    }
  }

  private apiError(message: string): PieBrainError {
    return new PieBrainError('VALIDATION', `arXiv API error: ${message}`, { userMessage: `arXiv rejected the query: ${message}.` });
  }

  private async request(url: string, signal: AbortSignal | undefined): Promise<string> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.options.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const startedAt = this.options.clock.now();
    try {
      const response = await this.fetch(url, {
        headers: { 'user-agent': ARXIV_USER_AGENT, accept: 'application/atom+xml' },
        signal: controller.signal,
      });
      const body = await response.text();
      this.options.logger.debug({ url, status: response.status, ms: this.options.clock.now() - startedAt }, 'arXiv answered');
      if (response.ok) return body;
      const feed = tryParse(body);
      if (feed?.error) throw this.apiError(feed.error);
      const wait = retryAfterMs(response.headers.get('retry-after'), this.options.clock.now());
      if (response.status === 429) {
        throw new PieBrainError('RATE_LIMITED', 'arXiv answered 429', {
          ...(wait === undefined ? {} : { retryAfterMs: wait }),
          userMessage: 'arXiv asks me to slow down (HTTP 429); try again in a few minutes.',
        });
      }
      if (response.status >= 500) {
        throw new PieBrainError('UPSTREAM_FAILED', `arXiv answered ${response.status}`, {
          ...(wait === undefined ? {} : { retryAfterMs: wait }),
          userMessage: `arXiv is unavailable right now (HTTP ${response.status}); try again in a few minutes.`,
        });
      }
      throw new PieBrainError('TOOL_FAILED', `arXiv answered ${response.status}`, {
        userMessage: `arXiv refused the request (HTTP ${response.status}).`,
      });
    } catch (error) {
      if (error instanceof PieBrainError) throw error;
      if (timedOut) {
        throw new PieBrainError('TIMEOUT', `arXiv did not answer within ${this.timeoutMs} ms`, {
          cause: error,
          userMessage: `arXiv did not answer within ${Math.round(this.timeoutMs / 1000)} s; try again later.`,
        });
      }
      if (signal?.aborted) throw signal.reason ?? error;
      throw new PieBrainError('NETWORK', 'arXiv could not be reached', {
        cause: error,
        userMessage: 'I could not reach arXiv (network error); try again later.',
      });
    } finally {
      this.options.clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
