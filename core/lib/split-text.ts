/**
 * Split a long Markdown text into parts of at most `max` characters, preferring paragraph breaks, then
 * line breaks, then spaces. A fenced code block cut in two is closed at the end of one part and reopened
 * at the start of the next, so each part renders on its own.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 20) throw new RangeError(`Expected a split size of at least 20, got ${max}`);
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  let openFence: string | undefined;
  while (rest.length > 0) {
    const prefix = openFence ? `${openFence}\n` : '';
    const budget = max - prefix.length - 4; // room to close a fence
    if (prefix.length + rest.length <= max) {
      parts.push(prefix + rest);
      break;
    }
    const cut = findCut(rest, budget);
    let part = prefix + rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).replace(/^\n+/, '');
    const fence = fenceStateAfter(part, undefined);
    if (fence) part += '\n```';
    openFence = fence;
    parts.push(part);
  }
  return parts.filter((part) => part.trim().length > 0);
}

function findCut(text: string, budget: number): number {
  const window = text.slice(0, budget + 1);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > budget * 0.3) return at + (separator === ' ' ? 1 : 0);
  }
  return budget;
}

/** The opening fence line still open at the end of `text`, if any. */
function fenceStateAfter(text: string, initial: string | undefined): string | undefined {
  let open = initial;
  for (const line of text.split('\n')) {
    const match = /^\s*(```+)(\S*)/.exec(line);
    if (!match) continue;
    open = open ? undefined : `${match[1]}${match[2] ?? ''}`;
  }
  return open;
}
