import { describe, expect, it } from 'vitest';
import { renderTelegramHtml } from '../../../bots/telegram/render-html.js';
import { splitText } from '../../../core/lib/split-text.js';
import { checkTelegramHtml } from '../../fakes/telegram-html.js';

function visible(markdown: string): string {
  const checked = checkTelegramHtml(renderTelegramHtml(markdown));
  if (!checked.ok) throw new Error(`${checked.description} in ${JSON.stringify(renderTelegramHtml(markdown))}`);
  return checked.visible;
}

describe('Markdown rendered for Telegram HTML', () => {
  it('renders the constructs pie-brain writes', () => {
    expect(renderTelegramHtml('*Task 12*: done')).toBe('<b>Task 12</b>: done');
    expect(renderTelegramHtml('**bold** and _italic_ and ~~gone~~')).toBe('<b>bold</b> and <i>italic</i> and <s>gone</s>');
    expect(renderTelegramHtml('# Digest\n- `/ping`: alive\n> quoted')).toBe(
      '<b>Digest</b>\n• <code>/ping</code>: alive\n<blockquote>quoted</blockquote>',
    );
    expect(renderTelegramHtml('```ts\nconst a = 1 < 2 && b;\n```')).toBe(
      '<pre><code class="language-ts">const a = 1 &lt; 2 &amp;&amp; b;</code></pre>',
    );
    expect(renderTelegramHtml('[arXiv](https://arxiv.org/abs/2401.00001v2)')).toBe(
      '<a href="https://arxiv.org/abs/2401.00001v2">arXiv</a>',
    );
  });

  it('leaves what is not Markdown alone: snake_case, arithmetic, unsafe links, stray markers', () => {
    expect(visible('use snake_case_names here')).toBe('use snake_case_names here');
    expect(visible('2 * 3 * 4 = 24')).toBe('2 * 3 * 4 = 24');
    expect(renderTelegramHtml('[click](javascript:alert(1))')).not.toContain('<a');
    expect(visible('an *unclosed bold and a ` tick')).toBe('an *unclosed bold and a ` tick');
    expect(visible('<script>alert("x")</script> & &amp;')).toBe('<script>alert("x")</script> & &amp;');
    expect(visible('\\*not bold\\*')).toBe('*not bold*');
  });

  it('always produces HTML Telegram accepts, never longer to read than the Markdown', () => {
    // A seeded generator over the characters that matter, so failures reproduce.
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      '*',
      '**',
      '_',
      '__',
      '`',
      '```',
      '~~',
      '||',
      '[',
      ']',
      '(',
      ')',
      'https://x.y',
      '<',
      '>',
      '&',
      '"',
      '\\',
      '\n',
      '\n\n',
      '# ',
      '- ',
      '> ',
      ' ',
      'a',
      'b_c',
      '😀',
      '\u200B',
    ];
    for (let round = 0; round < 2000; round += 1) {
      const length = Math.floor(next() * 30);
      const markdown = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      expect(visible(markdown).length).toBeLessThanOrEqual(markdown.length);
    }
  });

  it('keeps code blocks intact across a split', () => {
    const code = Array.from({ length: 300 }, (_, i) => `line ${i} <tag> & more`).join('\n');
    const parts = splitText(`intro\n\n\`\`\`\n${code}\n\`\`\``, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      const html = renderTelegramHtml(part);
      expect(checkTelegramHtml(html).ok).toBe(true);
      expect(html).toContain('<pre>');
    }
  });
});
