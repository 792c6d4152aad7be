import { csvLine } from '../lib/csv.js';

export type ExportFormat = 'csv' | 'json';

const COLUMNS = [
  'id',
  'created_at',
  'task_id',
  'kind',
  'provider',
  'model',
  'tokens_in',
  'tokens_out',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
  'reported_cost_usd',
  'estimated',
  'latency_ms',
  'purpose',
] as const;

function shape(row: Record<string, unknown>): Record<(typeof COLUMNS)[number], unknown> {
  const out = {} as Record<(typeof COLUMNS)[number], unknown>;
  for (const column of COLUMNS) out[column] = row[column] ?? null;
  out.created_at = new Date(Number(row.created_at)).toISOString();
  out.estimated = row.estimated === 1 || row.estimated === true;
  return out;
}

/**
 * Write ledger rows as CSV (a header, then one line each) or as a JSON array, chunk by chunk, so a year of
 * ledger never sits in memory at once. Returns the number of rows written.
 */
export function writeLedgerExport(rows: Iterable<Record<string, unknown>>, format: ExportFormat, write: (chunk: string) => void): number {
  let count = 0;
  if (format === 'csv') write(csvLine(COLUMNS));
  else write('[');
  for (const row of rows) {
    const shaped = shape(row);
    if (format === 'csv') write(csvLine(COLUMNS.map((c) => shaped[c])));
    else write(`${count ? ',' : ''}\n${JSON.stringify(shaped)}`);
    count += 1;
  }
  if (format === 'json') write(count ? '\n]\n' : ']\n');
  return count;
}
