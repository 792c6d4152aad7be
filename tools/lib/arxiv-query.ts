// What we ask arXiv's export API, as URLs: field prefixes (ti, au, abs, cat, id, all), AND/OR/ANDNOT, id_list.

const NEW_STYLE = /^\d{4}\.\d{4,5}(v\d+)?$/;
const OLD_STYLE = /^[a-z-]+(\.[A-Z]{2})?\/\d{7}(v\d+)?$/;
const CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;

/** An arXiv identifier from what a user may paste: `2411.01234v2`, `arXiv:2411.01234`, an abs or pdf link. */
export function normalizeArxivId(token: string): string | undefined {
  const bare = token
    .trim()
    .replace(/^<|>$/g, '')
    .replace(/^https?:\/\/(www\.|export\.)?arxiv\.org\/(abs|pdf)\//i, '')
    .replace(/\.pdf$/i, '')
    .replace(/^arxiv:/i, '');
  return NEW_STYLE.test(bare) || OLD_STYLE.test(bare) ? bare : undefined;
}

/** The IDs in a text when every word of it is one (`2411.01234 2411.05678v2`), else undefined. */
export function parseArxivIds(text: string): string[] | undefined {
  const tokens = text.split(/[\s,]+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  const ids = tokens.map(normalizeArxivId);
  return ids.every((id): id is string => id !== undefined) ? [...new Set(ids)] : undefined;
}

/** A title as one `ti:` phrase: quotes and characters arXiv's parser chokes on become spaces. */
export function toTitlePhrase(title: string): string {
  return title
    .replace(/["\\()[\]{}:]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function isCategory(value: string): boolean {
  return CATEGORY.test(value);
}

/** arXiv's submittedDate form: YYYYMMDDHHMM in GMT. */
export function formatSubmittedDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-T:]/g, '').slice(0, 12);
}

export function discoverQuery(categories: readonly string[], from: number, to: number): string {
  const cats = categories.map((category) => `cat:${category}`).join(' OR ');
  return `(${cats}) AND submittedDate:[${formatSubmittedDate(from)} TO ${formatSubmittedDate(to)}]`;
}

export interface QueryParams {
  search_query?: string;
  id_list?: string;
  start: number;
  max_results: number;
  sortBy?: 'relevance' | 'lastUpdatedDate' | 'submittedDate';
  sortOrder?: 'ascending' | 'descending';
}

const ORDER: ReadonlyArray<keyof QueryParams> = ['search_query', 'id_list', 'start', 'max_results', 'sortBy', 'sortOrder'];

// `:` and `,` are left readable: arXiv accepts them, and the URL doubles as the cache key and a log field.
function encode(value: string): string {
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** The request URL, parameters in a fixed order so equal queries share a cache entry. */
export function buildQueryUrl(apiUrl: string, params: QueryParams): string {
  const query = ORDER.filter((key) => params[key] !== undefined)
    .map((key) => `${key}=${encode(String(params[key]))}`)
    .join('&');
  return `${apiUrl}${apiUrl.includes('?') ? '&' : '?'}${query}`;
}
