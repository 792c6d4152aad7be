import { splitText } from '../core/lib/split-text.js';

// Slack's own text markup ("mrkdwn") both ways: Markdown out, Slack's <...> entities in.

/** Slack wants these three escaped everywhere, code included; it shows them decoded. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const FENCE = /^\s*```/;
// Private-use characters stand in for pieces that later steps must not touch.
const HOLD_OPEN = '\uE000';
const HOLD_CLOSE = '\uE001';
const BOLD = '\uE002';

/**
 * Render pie-brain's Markdown as Slack mrkdwn: **bold** -> *bold*, *italic* -> _italic_, ~~x~~ -> ~x~,
 * [text](url) -> <url|text>, headings bold, bullets as "•", code kept (fence languages dropped), and
 * & < > escaped outside the links it makes.
 */
export function renderMrkdwn(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (FENCE.test(line)) {
        inFence = !inFence;
        return line.replace(/^(\s*```+)\S*\s*$/, '$1');
      }
      return inFence ? escapeMrkdwn(line) : renderLine(line);
    })
    .join('\n');
}

function renderLine(line: string): string {
  const quote = /^(\s*)>\s?/.exec(line);
  if (quote) return `>${renderLine(line.slice(quote[0].length))}`;
  const heading = /^\s*#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return heading[1] ? `*${renderInline(heading[1].replace(/\*\*/g, ''))}*` : '';
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${renderInline(bullet[2] ?? '')}`;
  return renderInline(line);
}

/** Inline markup of one line: code spans are kept verbatim (escaped), the rest converted. */
function renderInline(text: string): string {
  const held: string[] = [];
  const hold = (value: string) => `${HOLD_OPEN}${held.push(value) - 1}${HOLD_CLOSE}`;
  let out = text.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`\`${escapeMrkdwn(code)}\``));
  out = out.replace(/\[([^\]\n]+)\]\((\S+?)\)/g, (_m, label: string, url: string) =>
    hold(`<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(label.replace(/[*_~]/g, ''))}>`),
  );
  out = out.replace(/<(https?:\/\/[^\s>]+)>/g, (_m, url: string) => hold(`<${escapeMrkdwn(url)}>`));
  out = escapeMrkdwn(out);
  out = out.replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, `${BOLD}$2${BOLD}`);
  out = out.replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g, '$1_$2_');
  out = out.replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '~$1~');
  out = out.replaceAll(BOLD, '*');
  const restore = new RegExp(`${HOLD_OPEN}(\\d+)${HOLD_CLOSE}`, 'g');
  return out.replace(restore, (_m, index: string) => held[Number(index)] ?? '');
}

/**
 * A reply as Slack messages of at most `max` characters each. The Markdown is split first (on paragraph,
 * line and code-fence boundaries) and each part rendered; a part that escaping made too long is split again.
 */
export function splitForSlack(markdown: string, max: number, budget = max): string[] {
  const parts: string[] = [];
  for (const part of splitText(markdown, budget)) {
    const rendered = renderMrkdwn(part);
    if (rendered.length <= max || part.length <= 20) {
      parts.push(rendered);
      continue;
    }
    // Escapes grew it: split this part again with a budget shrunk in proportion to the growth.
    const smaller = Math.min(part.length - 1, Math.floor((part.length * max) / rendered.length) - 8);
    parts.push(...splitForSlack(part, max, Math.max(20, smaller)));
  }
  return parts.filter((part) => part.trim().length > 0);
}

/** Cut a rendered text to `max` characters for places that take one message only (edits). */
export function truncateForSlack(markdown: string, max: number): string {
  const rendered = renderMrkdwn(markdown);
  if (rendered.length <= max) return rendered;
  return `${(splitForSlack(markdown, max - 2)[0] ?? '').trimEnd()} …`;
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function sameLink(url: string, label: string): boolean {
  const bare = (value: string) => value.replace(/^(https?:\/\/|mailto:)/, '').replace(/\/$/, '');
  return bare(url) === bare(label);
}

/**
 * Slack's message text as plain text for core: the bot's own mention removed, <@U1|name> -> @name,
 * <#C1|general> -> #general, <url|label> -> "label (url)", and &amp; &lt; &gt; decoded.
 */
export function toPlainText(text: string, botUserId?: string): string {
  let out = text;
  if (botUserId) out = out.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>:?`, 'g'), ' ');
  else out = out.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>:?/, ' ');
  out = out.replace(/<([^<>]+)>/g, (_m, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
    if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!subteam^')) return label ?? '@team';
    if (target.startsWith('!date^')) return label ?? '';
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    if (label === undefined || sameLink(target, label)) return target.replace(/^mailto:/, '');
    return `${label} (${target})`;
  });
  return unescapeSlack(out)
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
