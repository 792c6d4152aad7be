import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArxivArgs } from '../../tools/arxiv.js';
import { parseAtomFeed } from '../../tools/lib/arxiv-atom.js';
import { buildQueryUrl, discoverQuery, normalizeArxivId, parseArxivIds, toTitlePhrase } from '../../tools/lib/arxiv-query.js';
import { announcedBetween, describeEastern, lastAnnouncementAt, nextAnnouncementAt } from '../../tools/lib/arxiv-schedule.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/arxiv/${name}`, import.meta.url), 'utf8');

describe('parseAtomFeed', () => {
  it('reads a page as arXiv writes it: counters, versions, several authors and categories, optional fields', () => {
    const feed = parseAtomFeed(fixture('page.xml'));
    expect(feed).toMatchObject({ totalResults: 1421, startIndex: 0, itemsPerPage: 3 });
    expect(feed.error).toBeUndefined();
    expect(feed.papers.map((p) => p.id)).toEqual(['2411.01230v2', '2410.09876v1', 'hep-th/9901001v3']);
    const [first, second, old] = feed.papers;
    expect(first).toEqual({
      id: '2411.01230v2',
      baseId: '2411.01230',
      version: 2,
      title: 'Small Language Models on the Edge: Quantization, Pruning and Distillation for Low-Power Devices',
      authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger W. Dijkstra'],
      abstract:
        'We study how far small language models can be compressed for inference on single-board computers. Combining 4-bit quantization with structured pruning keeps 94% of the accuracy at a fifth of the memory & a third of the latency.',
      categories: ['cs.CL', 'cs.AI', 'cs.LG'],
      primaryCategory: 'cs.CL',
      published: '2024-11-02T17:59:59Z',
      updated: '2024-11-20T09:12:44Z',
      absUrl: 'https://arxiv.org/abs/2411.01230v2',
      pdfUrl: 'https://arxiv.org/pdf/2411.01230v2',
      doi: '10.1000/edge.2024.123',
      journalRef: 'Proc. EdgeML 2025, pp. 1-14',
      comment: '14 pages, 6 figures; v2: corrected Table 3',
    });
    // The primary category leads even when arXiv lists it later; offsets become UTC.
    expect(second?.categories).toEqual(['cs.IR', 'cs.CL']);
    expect(second?.published).toBe('2024-10-14T00:00:01Z');
    expect(second?.doi).toBeUndefined();
    expect(old).toMatchObject({ baseId: 'hep-th/9901001', version: 3, authors: ['Richard Feynman', 'Murray Gell-Mann'] });
  });

  it("reports arXiv's error entry as an error, not as a paper", () => {
    const feed = parseAtomFeed(fixture('error.xml'));
    expect(feed.error).toBe('incorrect id format for 1234.12345');
    expect(feed.papers).toEqual([]);
  });

  it('an empty result is a feed with no papers', () => {
    const empty = fixture('page.xml')
      .replace(/<entry>[\s\S]*<\/entry>/, '')
      .replace('>1421<', '>0<');
    expect(parseAtomFeed(empty)).toMatchObject({ totalResults: 0, papers: [] });
  });

  it('throws on something that is not a feed', () => {
    expect(() => parseAtomFeed('<html><body>Service Unavailable</body></html>')).toThrow(/not an Atom feed/);
  });
});

describe('arXiv queries', () => {
  it('recognises IDs in the forms people paste', () => {
    expect(normalizeArxivId('2411.01230')).toBe('2411.01230');
    expect(normalizeArxivId('arXiv:2411.01230v2')).toBe('2411.01230v2');
    expect(normalizeArxivId('https://arxiv.org/abs/2411.01230v3')).toBe('2411.01230v3');
    expect(normalizeArxivId('https://arxiv.org/pdf/2411.01230v3.pdf')).toBe('2411.01230v3');
    expect(normalizeArxivId('hep-th/9901001v1')).toBe('hep-th/9901001v1');
    expect(normalizeArxivId('math.GT/0309136')).toBe('math.GT/0309136');
    expect(normalizeArxivId('attention')).toBeUndefined();
    expect(parseArxivIds('2411.01230, 2410.09876v1 2411.01230')).toEqual(['2411.01230', '2410.09876v1']);
    expect(parseArxivIds('2411.01230 is great')).toBeUndefined();
  });

  it('turns /arxiv arguments into params', () => {
    expect(parseArxivArgs('discover')).toEqual({ action: 'discover' });
    expect(parseArxivArgs(' arXiv:2411.01230v2 ')).toEqual({ action: 'id', ids: ['2411.01230v2'] });
    expect(parseArxivArgs('Attention is all you need')).toEqual({ action: 'title', title: 'Attention is all you need' });
  });

  it('builds title phrases and date windows arXiv understands', () => {
    expect(toTitlePhrase(' "Attention"  is: all (you) need ')).toBe('Attention is all you need');
    const from = Date.UTC(2026, 10, 23, 12);
    expect(discoverQuery(['cs.AI', 'cs.CL'], from, from + 86_400_000)).toBe(
      '(cat:cs.AI OR cat:cs.CL) AND submittedDate:[202611231200 TO 202611241200]',
    );
    expect(buildQueryUrl('http://h/api/query', { id_list: '2411.01230v2,2410.09876', start: 0, max_results: 2 })).toBe(
      'http://h/api/query?id_list=2411.01230v2,2410.09876&start=0&max_results=2',
    );
    expect(buildQueryUrl('http://h/q', { search_query: 'ti:"a b"', start: 5, max_results: 1, sortBy: 'relevance' })).toBe(
      'http://h/q?search_query=ti:%22a%20b%22&start=5&max_results=1&sortBy=relevance',
    );
  });
});

describe('arXiv announcement schedule', () => {
  const at = (iso: string) => Date.parse(iso);

  it('announces Sunday to Thursday at 20:00 US Eastern, not on Friday and Saturday', () => {
    // Saturday 28 Nov 2026: the last announcement was Thursday evening, the next is Sunday evening (EST, UTC-5).
    expect(new Date(lastAnnouncementAt(at('2026-11-28T12:00:00Z'))).toISOString()).toBe('2026-11-27T01:00:00.000Z');
    expect(new Date(nextAnnouncementAt(at('2026-11-28T12:00:00Z'))).toISOString()).toBe('2026-11-30T01:00:00.000Z');
    expect(describeEastern(at('2026-11-30T01:00:00Z'))).toBe('Sun 29 Nov 20:00 US Eastern');
    // A Friday and a Saturday window are quiet; a Monday or Tuesday one is not.
    expect(announcedBetween(at('2026-11-27T12:00:00Z'), at('2026-11-28T12:00:00Z'))).toBe(false);
    expect(announcedBetween(at('2026-11-28T12:00:00Z'), at('2026-11-29T12:00:00Z'))).toBe(false);
    expect(announcedBetween(at('2026-11-29T12:00:00Z'), at('2026-11-30T12:00:00Z'))).toBe(true);
    expect(announcedBetween(at('2026-11-23T12:00:00Z'), at('2026-11-24T12:00:00Z'))).toBe(true);
  });

  it('follows daylight saving time (20:00 EDT before 1 Nov 2026, 20:00 EST after)', () => {
    expect(new Date(lastAnnouncementAt(at('2026-10-31T12:00:00Z'))).toISOString()).toBe('2026-10-30T00:00:00.000Z');
    expect(new Date(nextAnnouncementAt(at('2026-10-31T12:00:00Z'))).toISOString()).toBe('2026-11-02T01:00:00.000Z');
    // Spring forward on Sunday 8 Mar 2026: that evening's announcement is at 20:00 EDT.
    expect(new Date(nextAnnouncementAt(at('2026-03-07T23:30:00Z'))).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });
});
