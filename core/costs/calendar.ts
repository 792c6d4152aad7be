// Calendar days and months in the configured IANA time zone: budgets reset at local midnight, not UTC.
import { offsetMs, zonedParts } from '../lib/zoned-time.js';

export { assertTimeZone, type ZonedParts, zonedParts } from '../lib/zoned-time.js';

export interface Period {
  start: number;
  end: number;
  /** `2026-11` for a month, `2026-11-23` for a day. */
  key: string;
}

/** The instant local midnight starts the given date (month may overflow: 13 is January next year). */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  // Two rounds settle the offset even when the guess lands across a daylight-saving change.
  for (let round = 0; round < 2; round += 1) guess = wall - offsetMs(guess, timeZone);
  return guess;
}

const pad = (value: number) => String(value).padStart(2, '0');

export function monthOf(at: number, timeZone: string): Period {
  const { year, month } = zonedParts(at, timeZone);
  return {
    start: zonedMidnight(year, month, 1, timeZone),
    end: zonedMidnight(year, month + 1, 1, timeZone),
    key: `${year}-${pad(month)}`,
  };
}

export function dayOf(at: number, timeZone: string): Period {
  const { year, month, day } = zonedParts(at, timeZone);
  return {
    start: zonedMidnight(year, month, day, timeZone),
    end: zonedMidnight(year, month, day + 1, timeZone),
    key: `${year}-${pad(month)}-${pad(day)}`,
  };
}

/** Every local day that overlaps [from, to), in order. */
export function daysBetween(from: number, to: number, timeZone: string): Period[] {
  const days: Period[] = [];
  let day = dayOf(from, timeZone);
  while (day.start < to && days.length < 400) {
    days.push(day);
    day = dayOf(day.end, timeZone);
  }
  return days;
}

/** "23 Nov" in the zone, for chart labels and replies. */
export function shortDate(at: number, timeZone: string): string {
  const { month, day } = zonedParts(at, timeZone);
  return `${day} ${MONTHS[month - 1] ?? ''}`;
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
