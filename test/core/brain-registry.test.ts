import { afterAll, describe, expect, it } from 'vitest';
import { registerBrainCommands } from '../../core/commands/brain-commands.js';
import { CommandTable } from '../../core/commands/command-table.js';
import { applyEnvOverrides, parseConfig } from '../../core/config.js';
import { BrainRegistry } from '../../core/handoff/brain-registry.js';
import { systemClock } from '../../core/lib/clock.js';
import { openDatabase } from '../../storage/db.js';
import { KeyValueStore } from '../../storage/kv.js';
import type { TaskRecord } from '../../storage/queue.js';
import { brainDeps } from '../brains/brain-deps.js';
import { tempDir, testActor } from '../helpers.js';
import { BRAINS_DIR } from './handoff/handoff-host.js';

const dir = tempDir('pie-brain-registry-');
afterAll(() => dir.remove());

function createRegistry(options: { defaultName?: string; env?: Record<string, string>; db?: ReturnType<typeof openDatabase> } = {}) {
  const db = options.db ?? openDatabase(':memory:');
  const kv = new KeyValueStore(db);
  return {
    db,
    load: () =>
      BrainRegistry.load(BRAINS_DIR, brainDeps(dir.path, { ...(options.env ? { env: options.env } : {}) }), {
        kv,
        clock: systemClock,
        defaultName: options.defaultName ?? 'claude-code',
        fallback: ['aider', 'anthropic'],
      }),
  };
}

const task = { id: 1 } as TaskRecord;

describe('BrainRegistry', () => {
  it('loads every module of brains/ (adding a brain is adding a file)', async () => {
    const brains = await createRegistry().load();
    expect(brains.list().map((brain) => [brain.name, brain.coding])).toEqual([
      ['aider', true],
      ['anthropic', false],
      ['claude-code', true],
    ]);
  });

  it('takes the active brain from DEFAULT_CLOUD_BRAIN over config brains.default', () => {
    const { config } = parseConfig(applyEnvOverrides({ brains: { default: 'claude-code' } }, { DEFAULT_CLOUD_BRAIN: 'aider' }));
    expect(config.brains.default).toBe('aider');
  });

  it('keeps a /brain use choice across restarts until the configured default changes', async () => {
    const first = createRegistry();
    const brains = await first.load();
    expect(brains.activeName()).toBe('claude-code');
    brains.use('aider');
    expect(brains.candidates().map((brain) => brain.name)).toEqual(['aider', 'anthropic']);
    const restarted = await createRegistry({ db: first.db }).load();
    expect(restarted.activeName()).toBe('aider');
    const reconfigured = await createRegistry({ db: first.db, defaultName: 'anthropic' }).load();
    expect(reconfigured.activeName()).toBe('anthropic');
    expect(() => brains.use('gpt-engineer')).toThrow('unknown brain gpt-engineer');
  });
});

describe('/brain', () => {
  async function createCommands(env?: Record<string, string>) {
    const brains = await createRegistry(env ? { env } : {}).load();
    const commands = new CommandTable();
    registerBrainCommands(commands, { brains, handoff: async () => ({ text: 'unused' }) });
    const run = async (args: string) => {
      const command = commands.get('brain');
      if (!command) throw new Error('no /brain');
      return (
        await command.run({ task, message: {} as never, args, actor: testActor(), isAdmin: true, signal: new AbortController().signal })
      ).text;
    };
    return { brains, commands, run };
  }

  it('is for admins only and lists each brain with its availability', async () => {
    const { commands, run } = await createCommands();
    expect(commands.get('brain')?.privileges).toEqual(['operate']);
    expect(await run('')).toBe(
      [
        '*Cloud brains* (active: claude-code)',
        '- aider: available 0.86.1; no model API key in the environment; the first run will tell',
        '- anthropic: unavailable; no ANTHROPIC_API_KEY',
        '- claude-code (active): available 2.1.0; no stored login found; the first run will tell',
        '',
        'Fallback order: aider, anthropic. Switch with `/brain use <name>`.',
      ].join('\n'),
    );
  });

  it('switches the active brain and warns when the new one cannot run', async () => {
    const { brains, run } = await createCommands({ PATH: '/nonexistent' });
    expect(await run('use aider')).toBe(
      'The active cloud brain is now aider. It is unavailable right now (aider is not installed (not found on PATH)), so the fallback brains will answer.',
    );
    expect(brains.activeName()).toBe('aider');
    expect(await run('use nothing')).toBe('There is no brain named nothing. Known: aider, anthropic, claude-code.');
    expect(await run('switch aider')).toBe('Usage: `/brain` lists the brains, `/brain use <name>` switches.');
  });

  it('gives /handoff usage when the request is empty', async () => {
    const { commands } = await createCommands();
    const reply = await commands.get('handoff')?.run({
      task,
      message: {} as never,
      args: ' ',
      actor: testActor({ admin: false }),
      isAdmin: false,
      signal: new AbortController().signal,
    });
    expect(reply?.text).toMatch(/^Usage: `\/handoff <request>`/);
  });
});
