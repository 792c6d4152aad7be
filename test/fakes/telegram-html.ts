// Telegram's HTML parse mode as the fake Bot API checks it: the supported tags, properly nested, and
// every <, > and & outside a tag escaped. Errors use Telegram's own "can't parse entities" wording.

const TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type HtmlCheck = { ok: true; visible: string } | { ok: false; description: string };

function decodeEntity(entity: string): string | undefined {
  const named = ENTITIES[entity];
  if (named) return named;
  const numeric = /^#(\d+)$/.exec(entity)?.[1] ?? undefined;
  if (numeric) return String.fromCodePoint(Number(numeric));
  const hex = /^#x([0-9a-f]+)$/i.exec(entity)?.[1];
  return hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : undefined;
}

/** Parse `text` as Telegram HTML; on success, the text the user sees. */
export function checkTelegramHtml(text: string): HtmlCheck {
  const fail = (why: string): HtmlCheck => ({ ok: false, description: `Bad Request: can't parse entities: ${why}` });
  const open: string[] = [];
  let visible = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '<') {
      const tag = /^<(\/?)([a-zA-Z][a-zA-Z-]*)((?:\s+[a-zA-Z-]+(?:="[^"]*"|='[^']*')?)*)\s*>/.exec(text.slice(i));
      const offset = Buffer.byteLength(text.slice(0, i));
      if (!tag) return fail(`Unsupported start tag "" at byte offset ${offset}`);
      const [whole, closing, rawName = '', attributes = ''] = tag;
      const name = rawName.toLowerCase();
      if (!TAGS.has(name)) return fail(`Unsupported start tag "${name}" at byte offset ${offset}`);
      if (closing) {
        const expected = open.pop();
        if (expected !== name)
          return fail(`Unmatched end tag at byte offset ${offset}, expected "</${expected ?? ''}>", found "</${name}>"`);
      } else {
        const inside = open.at(-1);
        if ((inside === 'code' || (inside === 'pre' && name !== 'code')) && name !== 'tg-emoji') {
          return fail(`Can't nest "${name}" inside "${inside}" at byte offset ${offset}`);
        }
        if (name === 'a' && !/href="[^"]+"/.test(attributes)) return fail(`Can't find href of the link at byte offset ${offset}`);
        if (name === 'span' && !/class="tg-spoiler"/.test(attributes))
          return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${offset}`);
        open.push(name);
      }
      i += whole.length;
      continue;
    }
    if (char === '>') return fail(`Character '>' is reserved and must be escaped at byte offset ${Buffer.byteLength(text.slice(0, i))}`);
    if (char === '&') {
      const entity = /^&([#a-zA-Z0-9]+);/.exec(text.slice(i));
      const decoded = entity?.[1] ? decodeEntity(entity[1]) : undefined;
      if (!entity || decoded === undefined) {
        return fail(`Unsupported HTML entity at byte offset ${Buffer.byteLength(text.slice(0, i))}`);
      }
      visible += decoded;
      i += entity[0].length;
      continue;
    }
    visible += char;
    i += 1;
  }
  if (open.length) return fail(`Can't find end tag corresponding to start tag "${open.at(-1)}"`);
  return { ok: true, visible };
}
