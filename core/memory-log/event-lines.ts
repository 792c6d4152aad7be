import type { MemoryEvent } from '../../storage/memory-events.js';
import { zonedParts } from '../lib/zoned-time.js';

const MAX_LINE_TEXT = 200;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `2026-11-23 14:02` in the configured zone. */
export function eventTime(at: number, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** One line of text: newlines folded, cut at a readable length. */
export function oneLine(text: string, max = MAX_LINE_TEXT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * An event as one chat line: `#41 · 2026-11-23 14:02 · request: text`. `showUser` adds whose it is (for
 * those who read other people's events too); `text` replaces the event's text (a search's snippet).
 */
export function describeEvent(event: MemoryEvent, options: { timeZone: string; showUser?: boolean; text?: string }): string {
  const who = options.showUser ? ` · ${event.userId ? `${event.platform}:${event.userId}` : 'pie-brain'}` : '';
  return `#${event.id} · ${eventTime(event.at, options.timeZone)}${who} · ${event.kind}: ${oneLine(options.text ?? event.text)}`;
}
