import { csvLine } from '../lib/csv.js';
import type { ProviderHealth } from './provider-monitor.js';

/** Where the running pie-brain saves its provider metrics for `pie-brain costs monitor`. */
export const MONITOR_SNAPSHOT_KEY = 'monitor:snapshot';

const COLUMNS: ReadonlyArray<keyof ProviderHealth> = [
  'provider',
  'state',
  'score',
  'recommendation',
  'p50Ms',
  'p95Ms',
  'latencySamples',
  'latencyTargetMs',
  'calls1h',
  'errors1h',
  'errorRate1h',
  'availability24h',
  'queueDepth',
  'lastOkAt',
  'lastFailureAt',
  'lastError',
];

/** Provider metrics as JSON (`{at, providers}`) or CSV (one row per provider, with the time of the snapshot). */
export function exportMonitor(providers: readonly ProviderHealth[], format: 'json' | 'csv', at: number): string {
  if (format === 'json') return `${JSON.stringify({ at: new Date(at).toISOString(), providers }, null, 2)}\n`;
  const iso = new Date(at).toISOString();
  return [csvLine(['at', ...COLUMNS]), ...providers.map((p) => csvLine([iso, ...COLUMNS.map((column) => p[column])]))].join('');
}
