import cron from 'node-cron';
import { assertTimeZone, zonedParts } from '../core/zoned-time.js';

/** Wall-clock parts of an instant in a time zone. */
interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  /** Sortable "YYYY-MM-DDTHH:MM". */
  key: string;
  /** The wall clock read as if it were UTC, for measuring jumps. */
  wallMs: number;
}

const MINUTE = 60_000;
export function localTime(ms: number, zone: string): LocalTime {
  const { year, month, day, hour, minute, weekday } = zonedParts(ms, zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    year,
    month,
    day,
    hour,
    minute,
    weekday,
    key: `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`,
    wallMs: Date.UTC(year, month - 1, day, hour, minute),
  };
}

/**
 * A cron expression (parsed by node-cron) evaluated in a time zone on an injected clock, so schedules,
 * catch-up after downtime and daylight-saving changes can be tested in milliseconds. Minute resolution.
 * A time that does not exist on a spring-forward day runs at the first minute after the gap; a time
 * that happens twice on a fall-back day runs once.
 */
export class CronSchedule {
  private readonly fields: { minute: Set<number>; hour: Set<number>; day: Set<number>; month: Set<number>; weekday: Set<number> };

  constructor(
    readonly expression: string,
    readonly zone: string,
  ) {
    const check = cron.validateDetailed(expression);
    if (!check.valid) {
      throw new Error(`Invalid cron expression "${expression}": ${check.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    }
    assertTimeZone(zone);
    const parsed = cron.parse(expression);
    const numbers = (values: Array<number | string>) => new Set(values.map(Number).filter((n) => Number.isFinite(n)));
    this.fields = {
      minute: numbers(parsed.minute),
      hour: numbers(parsed.hour),
      day: numbers(parsed.dayOfMonth),
      month: numbers(parsed.month),
      weekday: new Set([...numbers(parsed.dayOfWeek)].map((d) => d % 7)),
    };
  }

  private matchesWall(wallMs: number): boolean {
    const d = new Date(wallMs);
    return (
      this.fields.minute.has(d.getUTCMinutes()) &&
      this.fields.hour.has(d.getUTCHours()) &&
      this.fields.day.has(d.getUTCDate()) &&
      this.fields.month.has(d.getUTCMonth() + 1) &&
      this.fields.weekday.has(d.getUTCDay())
    );
  }

  private dayMatches(local: LocalTime): boolean {
    return this.fields.day.has(local.day) && this.fields.month.has(local.month) && this.fields.weekday.has(local.weekday);
  }

  /** The first run strictly after `afterMs` (a run at `afterMs` itself is the previous one). */
  next(afterMs: number, horizonDays = 400): number | undefined {
    let highest = localTime(afterMs, this.zone);
    let previous = highest;
    let previousT = afterMs;
    let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
    const end = t + horizonDays * 1440 * MINUTE;
    while (t < end) {
      const local = localTime(t, this.zone);
      if (local.wallMs - previous.wallMs > t - previousT) {
        // Spring forward: wall minutes in the gap never happen; a job due in them runs now.
        for (let wall = previous.wallMs + MINUTE; wall < local.wallMs; wall += MINUTE) {
          if (this.matchesWall(wall) && wall > highest.wallMs) return t;
        }
      }
      previous = local;
      previousT = t;
      if (local.key > highest.key) {
        highest = local;
        if (this.matchesWall(local.wallMs)) return t;
      }
      // Skip ahead in wall-clock terms: to the next local day, or hour, that can match.
      if (!this.dayMatches(local)) t += ((23 - local.hour) * 60 + (60 - local.minute)) * MINUTE;
      else if (!this.fields.hour.has(local.hour)) t += (60 - local.minute) * MINUTE;
      else t += MINUTE;
    }
    return undefined;
  }

  /** The latest run at or before `atMs`, looking back at most `lookbackMs`. */
  previous(atMs: number, lookbackMs: number): number | undefined {
    const floor = Math.floor(atMs / MINUTE) * MINUTE;
    for (let t = floor; t >= atMs - lookbackMs; t -= MINUTE) {
      if (this.matchesWall(localTime(t, this.zone).wallMs)) return t;
    }
    return undefined;
  }
}
