// bench/arxiv: parse an arXiv answer of 2,000 entries (time and peak memory), as JSON lines.
// Run after `npm run build`: node dist/bench/arxiv.js
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAtomFeed } from '../tools/lib/arxiv-atom.js';

const ENTRIES = 2000;
const ROUNDS = 5;

// Realistic entries: the committed fixture's, repeated with distinct IDs (compiled: dist/bench -> ../../test).
const fixturePath = fileURLToPath(new URL('../../test/fixtures/arxiv/page.xml', import.meta.url));
const fixture = readFileSync(fixturePath, 'utf8');
const entries = [...fixture.matchAll(/<entry>[\s\S]*?<\/entry>/g)].map((match) => match[0]);
const head = fixture.slice(0, fixture.indexOf('<entry>'));
const body = Array.from({ length: ENTRIES }, (_, i) => {
  const id = `2611.${String(i).padStart(5, '0')}`;
  return (entries[i % entries.length] as string).replace(/\d{4}\.\d{5}|hep-th\/\d{7}/g, id);
}).join('\n');
const xml = `${head}${body}\n</feed>\n`;

function emit(metric: string, value: number, unit: string): void {
  process.stdout.write(
    `${JSON.stringify({ bench: 'arxiv', metric, value: Math.round(value * 100) / 100, unit, entries: ENTRIES, bytes: xml.length })}\n`,
  );
}

const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
let peakHeap = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 5);
const times: number[] = [];
let papers = 0;
for (let round = 0; round < ROUNDS; round += 1) {
  const started = performance.now();
  papers = parseAtomFeed(xml).papers.length;
  times.push(performance.now() - started);
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
clearInterval(sampler);
if (papers !== ENTRIES) throw new Error(`parsed ${papers} papers, expected ${ENTRIES}`);
times.sort((a, b) => a - b);
emit('parse_p50', times[Math.floor(times.length / 2)] ?? 0, 'ms');
emit('parse_min', times[0] ?? 0, 'ms');
emit('entries_per_s', ENTRIES / ((times[Math.floor(times.length / 2)] ?? 1) / 1000), 'entries/s');
emit('peak_heap_used', peakHeap / 1024 / 1024, 'MB');
emit('rss_before', rssBefore / 1024 / 1024, 'MB');
emit('peak_rss', Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024, 'MB');
