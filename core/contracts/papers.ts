/** One paper as pie-brain keeps it (tools/arxiv.ts fills it from arXiv's Atom feed). */
export interface Paper {
  /** With its version: `2411.01234v2`, `hep-th/9901001v1`. */
  id: string;
  /** Without the version: the note's file name and the dedup key. */
  baseId: string;
  version: number;
  title: string;
  authors: string[];
  abstract: string;
  /** Every category, the primary one first. */
  categories: string[];
  primaryCategory: string;
  /** ISO 8601, UTC. */
  published: string;
  updated: string;
  absUrl: string;
  pdfUrl: string;
  doi?: string;
  journalRef?: string;
  comment?: string;
}

/** What a Daily Discover found. An empty list is a normal answer (arXiv is quiet on Friday and Saturday). */
export interface DiscoverResult {
  papers: Paper[];
  /** What arXiv said the query matches (may exceed `papers` when capped by maxResults). */
  total: number;
  categories: string[];
  /** The submittedDate window, ms since the epoch (UTC). */
  from: number;
  to: number;
  /** No announcement fell in the window: an empty result is expected, not a fault. */
  quietDay: boolean;
  /** When arXiv announces next (Sunday to Thursday, 20:00 US Eastern). */
  nextAnnouncementAt: number;
  /** False when paging stopped early (maxResults reached, or arXiv returned a short page). */
  complete: boolean;
}

export interface DiscoverOptions {
  categories?: readonly string[];
  /** The window ends now (rounded down to the hour) and reaches this far back; 24 by default. */
  hours?: number;
  /** Stop paging after this many papers. */
  maxResults?: number;
  signal?: AbortSignal;
}

/**
 * Where papers come from, as the daily digest job sees it: tools/arxiv.ts's ArxivClient implements it, and
 * compose.ts hands that one instance to the job so the tool and the job share one rate limiter and one cache.
 */
export interface PaperSource {
  searchByIds(ids: readonly string[], options?: { signal?: AbortSignal }): Promise<Paper[]>;
  searchByTitle(title: string, options?: { maxResults?: number; signal?: AbortSignal }): Promise<Paper[]>;
  discover(options?: DiscoverOptions): Promise<DiscoverResult>;
}
