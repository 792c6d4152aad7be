import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry } from '../../../core/engine/tool-registry.js';
import { buildCatalog, CatalogSource } from '../../../core/router/catalog.js';
import { cleanPrefs, PrefsFile } from '../../../core/router/prefs.js';
import { buildRoutingPrefix, contextTokensFor, routingMessages } from '../../../core/router/prompt.js';
import { createTestTools } from '../../fakes/tools.js';
import { tempDir } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      visit(key, value);
      walk(value, visit);
    }
  }
}

describe('catalog', () => {
  const tools = Object.values(createTestTools());

  it('lists each tool on its own lines with its description and compact params, chat last', () => {
    const catalog = buildCatalog(tools);
    expect(catalog.toolNames).toEqual(['arxiv', 'git', 'memory', 'run_code', 'chat']);
    expect(catalog.text).toContain('- run_code (admin only): run a short Python or JavaScript snippet');
    expect(catalog.text).toContain('params: {"properties":{"language":{"type":"string","enum":["python","javascript"]}');
    expect(catalog.text).not.toContain('$schema');
    expect(catalog.text).not.toContain('9007199254740991');
    expect(catalog.text.trim().split('\n').at(-2)).toMatch(/^- chat: /);
  });

  it('builds a format with one closed variant per tool and only keys a grammar understands', () => {
    const catalog = buildCatalog([
      ...tools,
      {
        name: 'fancy',
        description: 'uses patterns and formats',
        privileges: ['read'],
        slashCommands: [],
        params: z.object({ url: z.string().url(), code: z.string().regex(/^[A-Z]+$/), n: z.number().int() }),
        runLocal: async () => ({ text: '' }),
      },
    ]);
    const variants = (catalog.format as { anyOf: Array<Record<string, unknown>> }).anyOf;
    expect(variants).toHaveLength(6);
    for (const variant of variants) {
      expect(variant).toMatchObject({ required: ['tool_name', 'params', 'handoff', 'reason'], additionalProperties: false });
    }
    walk(catalog.format, (key) => expect(['format', 'pattern', '$schema', 'default', 'description']).not.toContain(key));
    expect(catalog.text).toContain('"format":"uri"');
  });

  it('has a hash that is stable and changes with the tools', () => {
    expect(buildCatalog(tools).hash).toBe(buildCatalog([...tools].reverse()).hash);
    const registry = new ToolRegistry(tools.slice(0, 2));
    const source = new CatalogSource(registry);
    const before = source.current();
    expect(source.current()).toBe(before);
    registry.add(tools[2] as (typeof tools)[number]);
    expect(source.current().hash).not.toBe(before.hash);
  });
});

describe('prefs and prompt', () => {
  it('drops comment lines from user_prefs.md and treats a missing file as empty', () => {
    expect(cleanPrefs('# About me\r\n#\nI like RAG.\n\n\n\nShort answers.\n')).toBe('I like RAG.\n\nShort answers.');
    expect(new PrefsFile(join(dir.path, 'missing.md')).read().text).toBe('');
  });

  it('puts prefs first and the request last, with a num_ctx that fits and only moves in 1024 steps', () => {
    mkdirSync(join(dir.path, 'p'), { recursive: true });
    writeFileSync(join(dir.path, 'p', 'prefs.md'), 'I work on edge inference.');
    const prefs = new PrefsFile(join(dir.path, 'p', 'prefs.md')).read();
    const catalog = buildCatalog(Object.values(createTestTools()));
    const prefix = buildRoutingPrefix(prefs.text, catalog);
    expect(prefix.startsWith('# About the user\nI work on edge inference.\n\n# About you\n')).toBe(true);
    const messages = routingMessages(prefix, catalog, `  ${'x'.repeat(5000)}  `);
    expect(messages[0]?.content).toBe(prefix);
    expect(messages[1]?.content).toMatch(/Request:\nx{2000} \[\.\.\.\]$/);
    const tokens = contextTokensFor(prefix);
    expect(tokens % 1024).toBe(0);
    expect(tokens * 3).toBeGreaterThan(prefix.length + 2000);
    expect(contextTokensFor(`${prefix} `)).toBe(tokens);
  });
});
