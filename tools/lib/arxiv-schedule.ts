// arXiv announces new papers Sunday to Thursday at 20:00 US Eastern; nothing on Friday and Saturday.
// Holidays are not modelled: on those days an empty Daily Discover is reported as "nothing yet".

import { offsetMs, zonedParts } from '../../core/lib/zoned-time.js';

const ZONE = 'America/New_York';
const ANNOUNCE_HOUR = 20;
// Half-day steps never skip a calendar day, even across a 23-hour daylight-saving day.
const STEP_MS = 43_200_000;
// Sunday (0) to Thursday (4).
const ANNOUNCING_DAYS = new Set([0, 1, 2, 3, 4]);
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const eastern = (ms: number) => zonedParts(ms, ZONE);
const offsetAt = (ms: number) => offsetMs(ms, ZONE);

/** The instant of 20:00 Eastern on the Eastern calendar day that contains `ms`. */
function announcementOnDayOf(ms: number): number {
  const t = eastern(ms);
  const wall = Date.UTC(t.year, t.month - 1, t.day, ANNOUNCE_HOUR);
  const guess = wall - offsetAt(wall);
  return wall - offsetAt(guess);
}

function announces(ms: number): boolean {
  return ANNOUNCING_DAYS.has(eastern(ms).weekday);
}

/** The latest announcement at or before `now`. */
export function lastAnnouncementAt(now: number): number {
  for (let step = 0; step <= 16; step += 1) {
    const probe = now - step * STEP_MS;
    const at = announcementOnDayOf(probe);
    if (announces(probe) && at <= now) return at;
  }
  throw new RangeError('no arXiv announcement in a week');
}

/** The first announcement after `now`. */
export function nextAnnouncementAt(now: number): number {
  for (let step = 0; step <= 16; step += 1) {
    const probe = now + step * STEP_MS;
    const at = announcementOnDayOf(probe);
    if (announces(probe) && at > now) return at;
  }
  throw new RangeError('no arXiv announcement in a week');
}

/** Whether arXiv announced anything between `from` (exclusive) and `to` (inclusive). */
export function announcedBetween(from: number, to: number): boolean {
  return lastAnnouncementAt(to) > from;
}

/** "Sun 29 Nov 20:00 US Eastern", for replies. */
export function describeEastern(ms: number): string {
  const t = eastern(ms);
  const month = new Date(Date.UTC(t.year, t.month - 1, t.day)).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${WEEKDAY_NAMES[t.weekday]} ${t.day} ${month} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')} US Eastern`;
}
