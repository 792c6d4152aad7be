import { join } from 'node:path';
import { openDatabase } from '../../storage/db.js';
import { KeyValueStore } from '../../storage/kv.js';
import { LedgerStats } from '../../storage/ledger-stats.js';
import type { Config, Paths } from '../config.js';
import { exportMonitor, MONITOR_SNAPSHOT_KEY } from '../health/monitor-export.js';
import type { ProviderHealth } from '../health/provider-monitor.js';
import { zonedMidnight } from './calendar.js';
import { type ExportFormat, writeLedgerExport } from './cost-export.js';

export const COSTS_USAGE = `Usage:
  pie-brain costs export --format csv|json [--since DATE]   every ledger row (DATE: YYYY-MM-DD in timeZone, or ISO time)
  pie-brain costs monitor --format csv|json                 provider metrics of the running pie-brain (saved every 5 minutes)
`;

interface CliIo {
  out(chunk: string): void;
  err(chunk: string): void;
}

/** The value of `--name VALUE` or `--name=VALUE`. */
export function option(args: string[], name: string): string | undefined {
  const index = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index < 0) return undefined;
  const arg = args[index] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1];
}

/** `--since`: a calendar date (local midnight in the configured zone) or an ISO time. */
export function parseSince(value: string, timeZone: string): number | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) return zonedMidnight(Number(date[1]), Number(date[2]), Number(date[3]), timeZone);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** `pie-brain costs ...`; returns the exit code (2 for a usage error). */
export function runCostsCli(args: string[], context: { config: Config; paths: Paths }, io: CliIo): number {
  const [sub, ...rest] = args;
  const format = option(rest, 'format') ?? 'csv';
  if ((sub !== 'export' && sub !== 'monitor') || (format !== 'csv' && format !== 'json')) {
    io.err(COSTS_USAGE);
    return 2;
  }
  const sinceText = option(rest, 'since');
  const since = sinceText === undefined ? 0 : parseSince(sinceText, context.config.timeZone);
  if (since === undefined) {
    io.err(`pie-brain: --since wants YYYY-MM-DD or an ISO time, got "${sinceText}"\n`);
    return 2;
  }
  const db = openDatabase(join(context.paths.home, 'pie-brain.db'), { busyTimeoutMs: context.config.storage.busyTimeoutMs });
  try {
    if (sub === 'export') {
      writeLedgerExport(new LedgerStats(db).rowsSince(since), format as ExportFormat, io.out);
      return 0;
    }
    const snapshot = new KeyValueStore(db).get<{ at: number; providers: ProviderHealth[] }>(MONITOR_SNAPSHOT_KEY);
    if (!snapshot) {
      io.err('pie-brain: no provider metrics yet; a running pie-brain saves them every 5 minutes and when it stops.\n');
      return 1;
    }
    io.out(exportMonitor(snapshot.providers, format, snapshot.at));
    return 0;
  } finally {
    db.close();
  }
}
