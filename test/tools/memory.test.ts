import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NoteIndex } from '../../core/contracts/note-index.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { loadFolderModules } from '../../core/lib/module-loader.js';
import type { ToolDeps, ToolFactory } from '../../tools/base.js';
import { closeNoteStore, openNoteStore } from '../../tools/lib/open-memory.js';
import { createMemoryTool, type MemoryTool, parseMemoryArgs } from '../../tools/memory.js';
import { FakeClock } from '../fakes/clock.js';
import { ABSTRACTS } from '../fixtures/abstracts.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../fixtures/tiny-embedder.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';
import { toolContext } from './context.js';

const dirs: Array<ReturnType<typeof tempDir>> = [];
afterAll(() => {
  for (const dir of dirs) dir.remove();
});

let deps: Pick<ToolDeps, 'config' | 'paths' | 'logger' | 'clock'> | undefined;
afterEach(async () => {
  if (deps) await closeNoteStore(openNoteStore(deps));
  deps = undefined;
});

function setUp(): { tool: MemoryTool; inbox: string; deps: NonNullable<typeof deps> } {
  const dir = tempDir();
  dirs.push(dir);
  const created = {
    config: testConfig({ memory: { embedder: 'transformers', model: TINY_MODEL, modelsDir: TINY_MODELS_DIR } }),
    paths: testPaths(dir.path),
    logger: quietLogger(),
    clock: new FakeClock('2026-11-23T12:00:00Z'),
  };
  deps = created;
  return { tool: createMemoryTool(created), inbox: join(created.paths.brainDir, 'inbox'), deps: created };
}

/** What a user typing `/memory <args>` gets, through the registry's slash-command path. */
async function slash(tool: MemoryTool, args: string, isAdmin = false) {
  const found = new ToolRegistry([tool]).bySlashCommand('memory');
  if (!found) throw new Error('no /memory command');
  return found.tool.runLocal(found.slash.toParams(args), toolContext({ isAdmin }));
}

describe('/memory', () => {
  it('reads /memory save, /memory reindex and anything else as a query', () => {
    expect(parseMemoryArgs('save  remember the milk ')).toMatchObject({ action: 'save', text: 'remember the milk' });
    expect(parseMemoryArgs('SAVE\nline one\nline two')).toMatchObject({ action: 'save', text: 'line one\nline two' });
    expect(parseMemoryArgs('reindex')).toMatchObject({ action: 'reindex' });
    expect(parseMemoryArgs('saved searches in sqlite')).toMatchObject({ action: 'search', text: 'saved searches in sqlite' });
  });

  it('saves a note into the inbox and refuses the same abstract twice with a link to the first', async () => {
    const { tool, inbox } = setUp();
    const saved = await slash(tool, `save ${ABSTRACTS.rag.text}`);
    expect(saved.files).toHaveLength(1);
    const path = saved.files?.[0] as string;
    expect(path.startsWith(inbox)).toBe(true);
    expect(path).toMatch(/2026-11-23-we-study-retrieval-augmented-generation.*\.md$/);
    const content = readFileSync(path, 'utf8');
    expect(content).toMatch(/^---\ntitle: We study retrieval augmented generation/);
    expect(content).toContain('source: memory');
    expect(content).toContain('Raspberry Pi');

    const again = await slash(tool, `save ${ABSTRACTS.rag.text}`);
    expect(again.text).toContain('I already have this');
    expect(again.text).toContain(path);
    expect(again.links).toEqual([{ title: expect.any(String), url: pathToFileURL(path).href }]);
    expect(again.files).toBeUndefined();
    expect(readdirSync(inbox)).toHaveLength(1);

    const other = await slash(tool, `save ${ABSTRACTS.galaxies.text}`);
    expect(other.data).toMatchObject({ duplicate: false });
    expect(readdirSync(inbox)).toHaveLength(2);
  });

  it('keeps the dedup rule when the same note is saved twice at the same moment', async () => {
    const { tool, inbox } = setUp();
    const [first, second] = await Promise.all([slash(tool, `save ${ABSTRACTS.rag.text}`), slash(tool, `save ${ABSTRACTS.rag.text}`)]);
    expect([first?.data, second?.data]).toEqual([
      expect.objectContaining({ duplicate: false }),
      expect.objectContaining({ duplicate: true }),
    ]);
    const sameStart = await Promise.all([
      slash(tool, `save Shopping list\nbread, tomato, garlic`),
      slash(tool, `save Shopping list\nfootball, tennis, bicycle`),
    ]);
    expect(new Set(sameStart.map((reply) => reply.files?.[0])).size).toBe(2);
    expect(readdirSync(inbox)).toHaveLength(3);
  });

  it('answers a search with the right note first: title, similarity and a link to the file', async () => {
    const { tool, deps } = setUp();
    const index: NoteIndex = openNoteStore(deps);
    const paths: Record<string, string> = {};
    for (const [name, paper] of Object.entries(ABSTRACTS)) {
      paths[name] = `/home/pi/brain/inbox/${name}.md`;
      await index.add({ path: paths[name] as string, ...paper });
    }
    const reply = await slash(tool, 'protein structure and drug docking');
    const lines = reply.text.split('\n');
    expect(lines[1]).toMatch(
      /^1\. \*Diffusion Models for Protein Structure and Drug Docking\* \(similarity 0\.\d\d\): `\/home\/pi\/brain\/inbox\/proteins\.md`$/,
    );
    expect(lines).toHaveLength(1 + 4);
    expect(reply.links?.[0]).toEqual({ title: ABSTRACTS.proteins.title, url: 'file:///home/pi/brain/inbox/proteins.md' });
    const hits = (reply.data as { hits: Array<{ similarity: number }> }).hits;
    expect(hits[0]?.similarity).toBeGreaterThan(hits[1]?.similarity as number);
  });

  it('applies the dedup rule to notes another tool filed through the shared NoteIndex', async () => {
    const { tool, inbox, deps } = setUp();
    // The arXiv tool writes its note, then tells the shared index.
    await openNoteStore(deps).add({ path: join(inbox, '2611.00001.md'), ...ABSTRACTS.robots });
    const reply = await slash(tool, `save ${ABSTRACTS.robots.text}`);
    expect(reply.data).toMatchObject({ duplicate: true, existing: { path: join(inbox, '2611.00001.md'), title: ABSTRACTS.robots.title } });
  });

  it('says how to start when the memory is empty, and explains the command when the query is empty', async () => {
    const { tool } = setUp();
    expect((await slash(tool, 'anything')).text).toContain('My memory is empty');
    expect((await slash(tool, '')).text).toContain('/memory save');
    expect((await slash(tool, 'save')).text).toContain('Nothing to save');
  });

  it('lets only those who operate pie-brain rebuild the index', async () => {
    const { tool } = setUp();
    await slash(tool, `save ${ABSTRACTS.galaxies.text}`);
    expect(await slash(tool, 'reindex').catch((e: unknown) => e)).toMatchObject({ code: 'FORBIDDEN' });
    const rebuilt = await slash(tool, 'reindex', true);
    expect(rebuilt.data).toEqual({ indexed: 1 });
    expect((await slash(tool, 'dark matter galaxies')).text).toContain('dark matter profile');
  });

  it('is found by the folder loader as one file of tools/, and its helpers in tools/lib are not', async () => {
    const toolsDir = fileURLToPath(new URL('../../tools', import.meta.url));
    const modules = await loadFolderModules<ToolFactory>(toolsDir);
    const entry = modules.find((module) => module.file === 'memory.ts');
    if (!entry) throw new Error('tools/memory.ts was not loaded');
    expect(modules.map((module) => module.file).filter((file) => file.includes('lib'))).toEqual([]);
    const { deps } = setUp();
    const tool = await entry.value(deps as ToolDeps);
    expect(tool).toMatchObject({ name: 'memory', privileges: ['read', 'writeNotes'] });
  });
});
