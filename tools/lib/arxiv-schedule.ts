// arXiv announces new papers Sunday to Thursday at 20:00 US Eastern; nothing on Friday and Saturday.
// Holidays are not modelled: on those days an empty Daily Discover is reported as "nothing yet".

const ZONE = 'America/New_York';
const ANNOUNCE_HOUR = 20;
// Half-day steps never skip a calendar day, even across a 23-hour daylight-saving day.
const STEP_MS = 43_200_000;
const ANNOUNCING_DAYS = new Set(['Sun', 'Mon', 'Tue', 'Wed', 'Thu']);

const format = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  hourCycle: 'h23',
  weekday: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface EasternTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: string;
}

function eastern(ms: number): EasternTime {
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: String(parts.weekday),
  };
}

// How far Eastern wall-clock time is ahead of UTC at this instant (negative: -4 h or -5 h).
function offsetAt(ms: number): number {
  const t = eastern(ms);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - Math.floor(ms / 1000) * 1000;
}

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
  return `${t.weekday} ${t.day} ${month} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')} US Eastern`;
}
