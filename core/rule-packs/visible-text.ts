import type { Span } from './rule.js';

// Characters that print as nothing: a secret with one of these between its letters still reads as the secret.
const ANY_INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/;

function isInvisible(code: number): boolean {
  return code === 0xad || code === 0x180e || (code >= 0x200b && code <= 0x200f) || (code >= 0x2060 && code <= 0x2064) || code === 0xfeff;
}

/** A text without its invisible characters, and the way back from a place in it to the same place in the original. */
export interface VisibleText {
  text: string;
  /** The span of the original text that `span` of the visible text covers (invisible characters inside included). */
  original(span: Span): Span;
}

/**
 * Rules match the visible text, so `sk-ant-` with a zero-width space inside is still caught; what they find is
 * mapped back to the original, so a redaction removes the invisible characters inside the secret too.
 */
export function visibleText(text: string): VisibleText {
  if (!ANY_INVISIBLE.test(text)) return { text, original: (span) => span };
  const kept: number[] = [];
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    if (isInvisible(text.charCodeAt(index))) continue;
    kept.push(index);
    parts.push(text[index] as string);
  }
  return {
    text: parts.join(''),
    original: ([start, end]) => [kept[start] ?? text.length, (kept[end - 1] ?? text.length - 1) + 1],
  };
}
