import { describe, expect, it } from 'vitest';
import { renderMrkdwn, splitForSlack, toPlainText, truncateForSlack } from '../../bots/slack-format.js';

describe('renderMrkdwn', () => {
  it('converts bold, italics, strike-through and links', () => {
    expect(renderMrkdwn('**bold** and *italic* and _also_ and ~~gone~~')).toBe('*bold* and _italic_ and _also_ and ~gone~');
    expect(renderMrkdwn('__bold__ too')).toBe('*bold* too');
    expect(renderMrkdwn('see [the paper](https://arxiv.org/abs/2401.1?a=1&b=2)')).toBe(
      'see <https://arxiv.org/abs/2401.1?a=1&amp;b=2|the paper>',
    );
    expect(renderMrkdwn('<https://example.com/x>')).toBe('<https://example.com/x>');
  });

  it('escapes &, < and > everywhere but the links it makes', () => {
    expect(renderMrkdwn('a < b && c > d <@U123> <!channel>')).toBe('a &lt; b &amp;&amp; c &gt; d &lt;@U123&gt; &lt;!channel&gt;');
    expect(renderMrkdwn('`x<y` and `**not bold**`')).toBe('`x&lt;y` and `**not bold**`');
  });

  it('keeps code blocks verbatim except for escapes, dropping the language tag', () => {
    const markdown = ['```ts', 'const a = **b** < c;', '```', '**after**'].join('\n');
    expect(renderMrkdwn(markdown)).toBe(['```', 'const a = **b** &lt; c;', '```', '*after*'].join('\n'));
  });

  it('renders headings bold, bullets as dots and keeps quotes', () => {
    expect(renderMrkdwn('# Costs this month\n- **$1.20** today\n* item\n> quoted *word*')).toBe(
      '*Costs this month*\n• *$1.20* today\n• item\n>quoted _word_',
    );
  });

  it('leaves snake_case, arithmetic and lone stars alone', () => {
    expect(renderMrkdwn('my_var_name = 2 * 3 * 4')).toBe('my_var_name = 2 * 3 * 4');
  });
});

describe('splitForSlack', () => {
  it('keeps every part under the limit even when escapes make it longer', () => {
    const text = Array.from({ length: 40 }, () => `${'&<>'.repeat(30)}`).join('\n\n');
    const parts = splitForSlack(text, 500);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(500);
    expect(parts.join('').replace(/\n/g, '')).toBe(
      text.replace(/\n/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    );
  });

  it('closes and reopens a code block cut in two', () => {
    const code = ['```', ...Array.from({ length: 60 }, (_, i) => `line ${i} of code`), '```'].join('\n');
    const parts = splitForSlack(code, 400);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.startsWith('```')).toBe(true);
      expect(part.endsWith('```')).toBe(true);
    }
  });

  it('gives nothing to send for an empty text', () => {
    expect(splitForSlack('', 3500)).toEqual([]);
  });
});

describe('truncateForSlack', () => {
  it('cuts to one message with an ellipsis', () => {
    const cut = truncateForSlack('word '.repeat(200), 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('toPlainText', () => {
  it('removes the bot mention and decodes entities', () => {
    expect(toPlainText('<@UBOT> what is 1 &lt; 2 &amp;&amp; 3 &gt; 2?', 'UBOT')).toBe('what is 1 < 2 && 3 > 2?');
    expect(toPlainText('<@UBOT|pie-brain>: hi', 'UBOT')).toBe('hi');
    expect(toPlainText('<@UOTHER> hi')).toBe('hi');
  });

  it('turns users, channels, groups and links into readable text', () => {
    expect(toPlainText('ask <@U1|ann> or <@U2> in <#C1|dev>, <!here>, <!subteam^S1|@ops>')).toBe('ask @ann or @U2 in #dev, @here, @ops');
    expect(toPlainText('<https://example.com|example.com> <https://a.io/x|docs> <mailto:a@b.c|a@b.c>')).toBe(
      'https://example.com docs (https://a.io/x) a@b.c',
    );
  });

  it('keeps emoji and invisible characters for core to judge', () => {
    expect(toPlainText('😀 :tada: \u200B')).toBe('😀 :tada: \u200B');
  });
});
