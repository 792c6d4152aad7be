// Calendar days and months in the configured IANA time zone: budgets reset at local midnight, not UTC.

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface Period {
  start: number;
  end: number;
  /** `2026-11` for a month, `2026-11-23` for a day. */
  key: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for a zone name Intl does not know. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

export function zonedParts(at: number, timeZone: string): ZonedParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function offsetMs(at: number, timeZone: string): number {
  const p = zonedParts(at, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
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
