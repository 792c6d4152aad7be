import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(folder: string): string[] {
  const dir = join(root, folder);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(join(folder, entry));
    return /\.(ts|mts|js|mjs)$/.test(entry) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
}

function violations(folder: string, forbidden: RegExp): string[] {
  return sources(folder).flatMap((file) =>
    imports(file)
      .filter((spec) => forbidden.test(spec))
      .map((spec) => `${relative(root, file)} imports ${spec}`),
  );
}

describe('dependency direction (docs/architecture.md)', () => {
  it('core/ never imports a platform SDK', () => {
    expect(violations('core', /^(grammy|discord\.js|@slack\/bolt|@slack\/)/)).toEqual([]);
  });

  it('core/ never imports bots/, tools/, brains/ or jobs/', () => {
    expect(violations('core', /\.\.\/(bots|tools|brains|jobs)\//)).toEqual([]);
  });

  it('storage/ never imports core/ or anything above it', () => {
    expect(violations('storage', /\.\.\/(core|bots|tools|brains|jobs)\//)).toEqual([]);
  });

  it('core/contracts/ and core/lib/ stand on their own: they import nothing of the engine, commands or features', () => {
    const features = /\.\.\/(engine|commands|costs|handoff|health|http|llm|router)\//;
    expect(violations('core/contracts', features)).toEqual([]);
    expect(violations('core/lib', /\.\.\/(?!lib\/)[a-z-]+\//)).toEqual([]);
  });

  it('core/engine/ never imports the features built on it (costs, handoff, health, http, router, rule packs)', () => {
    expect(violations('core/engine', /\.\.\/(costs|handoff|health|http|router|rule-packs)\//)).toEqual([]);
  });

  it('core/rule-packs/ stands beside the engine: it reaches it only through core/contracts', () => {
    expect(violations('core/rule-packs', /\.\.\/(engine|commands|costs|handoff|health|http|llm|router)\//)).toEqual([]);
  });

  it('bots/, tools/, brains/ and jobs/ do not import each other', () => {
    for (const folder of ['bots', 'tools', 'brains', 'jobs']) {
      const others = ['bots', 'tools', 'brains', 'jobs'].filter((f) => f !== folder).join('|');
      expect(violations(folder, new RegExp(`\\.\\./(${others})/`))).toEqual([]);
    }
  });
});
