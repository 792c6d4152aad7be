// Markdown as pie-brain writes it, rendered for Telegram's HTML parse mode. HTML needs only three
// characters escaped (MarkdownV2 needs eighteen), and every tag below is emitted in matched pairs, so
// the output always parses; anything that does not form a complete construct stays literal text.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (char) => ESCAPES[char] ?? char);
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ESCAPES[char] ?? char);
}

const SAFE_LINK = /^(https?:\/\/|tg:\/\/|mailto:)/i;
const WORD = /[\p{L}\p{N}]/u;

interface Emphasis {
  marker: string;
  tag: string;
  /** Intraword markers (snake_case) are text, not emphasis. */
  wordBound: boolean;
}

// Longest markers first, so ** wins over *.
const EMPHASES: Emphasis[] = [
  { marker: '**', tag: 'b', wordBound: false },
  { marker: '__', tag: 'b', wordBound: true },
  { marker: '~~', tag: 's', wordBound: false },
  { marker: '||', tag: 'tg-spoiler', wordBound: false },
  { marker: '*', tag: 'b', wordBound: false },
  { marker: '_', tag: 'i', wordBound: true },
];

/** The closing marker of an emphasis opened at `start`, or -1. */
function findClosing(text: string, start: number, emphasis: Emphasis): number {
  const { marker } = emphasis;
  const first = text[start + marker.length];
  if (first === undefined || /\s/.test(first)) return -1;
  if (emphasis.wordBound && start > 0 && WORD.test(text[start - 1] ?? '')) return -1;
  let at = text.indexOf(marker, start + marker.length + 1);
  while (at !== -1) {
    const before = text[at - 1] ?? '';
    const after = text[at + marker.length] ?? '';
    const escaped = before === '\\';
    const closes = !/\s/.test(before) && !escaped && !(emphasis.wordBound && WORD.test(after));
    // A single * or _ must not close on half of a doubled marker.
    const doubled = marker.length === 1 && after === marker[0];
    if (closes && !doubled) return at;
    at = text.indexOf(marker, at + marker.length + (doubled ? 1 : 0));
  }
  return -1;
}

/** A [label](url) link starting at `start`: its label, url and end, if well formed. */
function matchLink(text: string, start: number): { label: string; url: string; end: number } | undefined {
  const match = /^\[([^\]\n]+)\]\(([^)\s]+)\)/.exec(text.slice(start));
  if (!match?.[1] || !match[2]) return undefined;
  return { label: match[1], url: match[2], end: start + match[0].length };
}

/** Inline Markdown of one line (or one quoted block) as Telegram HTML. */
function renderInline(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '\\' && i + 1 < text.length && /[\\`*_~|[\]()#>+\-.!]/.test(text[i + 1] as string)) {
      out += escapeHtml(text[i + 1] as string);
      i += 2;
      continue;
    }
    if (char === '`') {
      const run = /^`+/.exec(text.slice(i))?.[0] ?? '`';
      const close = text.indexOf(run, i + run.length);
      if (close > i + run.length) {
        out += `<code>${escapeHtml(text.slice(i + run.length, close))}</code>`;
        i = close + run.length;
        continue;
      }
      out += escapeHtml(run);
      i += run.length;
      continue;
    }
    if (char === '[') {
      const link = matchLink(text, i);
      if (link && SAFE_LINK.test(link.url)) {
        out += `<a href="${escapeAttribute(link.url)}">${renderInline(link.label)}</a>`;
        i = link.end;
        continue;
      }
    }
    const emphasis = EMPHASES.find((e) => text.startsWith(e.marker, i));
    if (emphasis) {
      const close = findClosing(text, i, emphasis);
      if (close !== -1) {
        const inner = text.slice(i + emphasis.marker.length, close);
        out += `<${emphasis.tag}>${renderInline(inner)}</${emphasis.tag}>`;
        i = close + emphasis.marker.length;
        continue;
      }
      out += escapeHtml(emphasis.marker);
      i += emphasis.marker.length;
      continue;
    }
    out += escapeHtml(char);
    i += 1;
  }
  return out;
}

function renderCodeBlock(language: string, lines: string[]): string {
  const code = escapeHtml(lines.join('\n'));
  const safeLanguage = /^[\w+#.-]+$/.test(language) ? language : '';
  return safeLanguage ? `<pre><code class="language-${safeLanguage}">${code}</code></pre>` : `<pre>${code}</pre>`;
}

/**
 * Render a Markdown text (at most one Telegram message long) as Telegram HTML: fenced code blocks,
 * headings (bold), quotes, bullet lists, **bold** / *bold*, _italic_, ~~strike~~, `code` and links.
 * The visible text is never longer than the Markdown, so a part split at the limit stays within it.
 */
export function renderTelegramHtml(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const fence = /^\s*(```+)\s*([^`\s]*)\s*$/.exec(line);
    if (fence?.[1]) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(fence[1])) {
        body.push(lines[i] as string);
        i += 1;
      }
      i += 1; // the closing fence (or the end of the text)
      out.push(renderCodeBlock(fence[2] ?? '', body));
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i] as string)) {
        quoted.push((lines[i] as string).replace(/^>\s?/, ''));
        i += 1;
      }
      out.push(`<blockquote>${quoted.map(renderInline).join('\n')}</blockquote>`);
      continue;
    }
    const heading = /^#{1,6}\s+(\S.*)$/.exec(line);
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (heading) out.push(`<b>${renderInline(heading[1] ?? '')}</b>`);
    else if (bullet) out.push(`${bullet[1] ?? ''}• ${renderInline(bullet[2] ?? '')}`);
    else out.push(renderInline(line));
    i += 1;
  }
  return out.join('\n');
}
