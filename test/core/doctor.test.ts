import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { modelNotice } from '../../core/costs/model-lifecycle.js';
import { formatChecks, runDoctor } from '../../core/doctor.js';
import { checkNode } from '../../core/doctor-system.js';
import { FakeOllama } from '../fakes/ollama.js';
import { json, RecordingServer } from '../fakes/recording-server.js';
import { tempDir, testPaths } from '../helpers.js';

describe('doctor', () => {
  let server: RecordingServer;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    server = new RecordingServer();
    await server.start();
    dir = tempDir();
  });
  afterEach(async () => {
    await server.stop();
    dir.remove();
  });

  it('says a rejected Telegram token is wrong instead of calling Telegram reachable', async () => {
    server.on('/botgood:token/getMe', (_req, res) => json(res, 200, { ok: true, result: { id: 1 } }));
    server.on('/botbad:token/getMe', (_req, res) => json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' }));
    server.on('/api/version', (_req, res) => json(res, 200, { version: '0.12.0' }));
    const config = parseConfig({ telegram: { apiRoot: `${server.url}/` }, ollama: { host: server.url } }).config;
    expect(config.telegram.apiRoot).toBe(server.url);
    const good = await runDoctor(config, testPaths(dir.path), { telegramToken: 'good:token' });
    expect(good.find((c) => c.name === 'telegram')).toMatchObject({ ok: true, detail: 'HTTP 200' });
    const bad = await runDoctor(config, testPaths(dir.path), { telegramToken: 'bad:token' });
    expect(bad.find((c) => c.name === 'telegram')).toMatchObject({ ok: false, detail: 'HTTP 401: the token was rejected' });
    expect(JSON.stringify(bad)).not.toContain('bad:token');
  });

  it('warns about a deprecated model before its date and fails on a retired one after it, naming the replacement', async () => {
    server.on('/api/version', (_req, res) => json(res, 200, { version: '0.12.0' }));
    const config = parseConfig({ ollama: { host: server.url }, anthropic: { model: 'claude-sonnet-4-5' } }).config;
    const before = await runDoctor(config, testPaths(dir.path), {}, { now: Date.parse('2026-11-29T23:59:00Z') });
    expect(before.find((c) => c.name === 'model')).toMatchObject({ ok: true, warn: true });
    expect(formatChecks(before)).toContain(
      'warn model: anthropic.model is claude-sonnet-4-5, deprecated: it stops answering on 2026-11-30. Move to claude-sonnet-5',
    );
    const after = await runDoctor(config, testPaths(dir.path), {}, { now: Date.parse('2026-11-30T00:00:00Z') });
    expect(after.find((c) => c.name === 'model')).toMatchObject({ ok: false });
    expect(formatChecks(after)).toContain('FAIL model: anthropic.model is claude-sonnet-4-5, retired on 2026-11-30');
    expect(formatChecks(after)).toContain('fix: set anthropic.model: claude-sonnet-5');
    const defaults = await runDoctor(parseConfig({ ollama: { host: server.url } }).config, testPaths(dir.path), {});
    expect(defaults.find((c) => c.name === 'model')).toBeUndefined();
  });

  it('says whether bubblewrap can sandbox /run, and what /run does without it', async () => {
    server.on('/api/version', (_req, res) => json(res, 200, { version: '0.12.0' }));
    const config = parseConfig({ ollama: { host: server.url } }).config;
    const present = await runDoctor(config, testPaths(dir.path), {});
    expect(present.find((c) => c.name === 'bwrap')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/makes PID, IPC and network namespaces$/),
    });
    const missing = await runDoctor(config, testPaths(dir.path), {}, { bwrap: null });
    expect(formatChecks(missing)).toContain(
      'FAIL bwrap: bubblewrap (bwrap) is not installed: /run is refused\n     fix: sudo apt-get install bubblewrap',
    );
    const broken = await runDoctor(config, testPaths(dir.path), {}, { bwrap: '/bin/false' });
    expect(broken.find((c) => c.name === 'bwrap')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('/bin/false cannot make its namespaces here'),
    });
    const allowed = parseConfig({ ollama: { host: server.url }, runCode: { allowUnsandboxed: true } }).config;
    expect(formatChecks(await runDoctor(allowed, testPaths(dir.path), {}, { bwrap: null }))).toContain(
      'warn bwrap: bubblewrap (bwrap) is not installed: /run runs snippets without a sandbox (runCode.allowUnsandboxed)',
    );
  });

  it('names the rule packs in force, warns when a built-in one is off, and fails on a broken user pack', async () => {
    server.on('/api/version', (_req, res) => json(res, 200, { version: '0.12.0' }));
    const paths = testPaths(dir.path);
    const config = parseConfig({ ollama: { host: server.url } }).config;
    expect((await runDoctor(config, paths, {})).find((c) => c.name === 'rule packs')).toEqual({
      name: 'rule packs',
      ok: true,
      detail: 'secrets, commands',
    });
    const off = parseConfig({ ollama: { host: server.url }, rules: { disabled: ['commands'] } }).config;
    expect(formatChecks((await runDoctor(off, paths, {})).filter((c) => c.name === 'rule packs'))).toBe(
      'warn rule packs: secrets; rules.disabled: the commands pack is off, so /run and cloud-brain prompts are not checked',
    );
    mkdirSync(join(paths.home, 'rule-packs'), { recursive: true });
    writeFileSync(
      join(paths.home, 'rule-packs', 'house.yaml'),
      'id: house\nrules:\n  - {id: x, severity: error, pattern: "(", message: m}\n',
    );
    const broken = formatChecks((await runDoctor(config, paths, {})).filter((c) => c.name === 'rule packs'));
    expect(broken).toMatch(/^FAIL rule packs: .*house\.yaml: rules\.0\.pattern: not a valid RE2 pattern/);
    expect(broken).toContain('fix: correct the rule pack file, or remove it');
  });

  it('knows retired models by any spelling: dated ids, provider prefixes, dots', () => {
    const at = Date.parse('2027-06-01T00:00:00Z');
    expect(modelNotice('brains.model', 'anthropic/claude-3-7-sonnet-20250219', at)?.state).toBe('retired');
    expect(modelNotice('brains.model', 'claude-3.5-sonnet', at)?.state).toBe('retired');
    expect(modelNotice('brains.model', 'claude-sonnet-5', at)).toBeUndefined();
  });

  it('checks what the Pi needs: Ollama new enough for JSON schemas, both models pulled, native modules, an admin', async () => {
    const ollama = await new FakeOllama({ version: '0.4.7', installed: [{ name: 'qwen2.5:1.5b' }] }).start();
    try {
      const config = parseConfig({ ollama: { host: ollama.host } }).config;
      const checks = await runDoctor(config, testPaths(dir.path), { telegramToken: 'some:token' }, { fetch: refuseTelegram });
      const text = formatChecks(checks);
      expect(text).toContain('FAIL ollama version: Ollama 0.4.7 cannot answer in a JSON schema (format)');
      expect(text).toContain('ok   router model: qwen2.5:1.5b is pulled');
      expect(text).toContain(
        'FAIL embedding model: all-minilm is not pulled: search by meaning waits for it\n     fix: ollama pull all-minilm',
      );
      expect(text).toContain('ok   native: better-sqlite3 loads');
      expect(text).toContain('ok   native: @lancedb/lancedb loads');
      expect(text).toContain('FAIL admin: no admin');
      ollama.version = '0.12.6';
      ollama.installed.push({ name: 'all-minilm:latest' });
      const fixed = parseConfig({ ollama: { host: ollama.host }, access: { admins: ['telegram:1'] } }).config;
      const after = formatChecks(await runDoctor(fixed, testPaths(dir.path), { telegramToken: 'some:token' }, { fetch: refuseTelegram }));
      expect(after).toContain('ok   ollama version: Ollama 0.12.6 answers in a JSON schema');
      expect(after).toContain('ok   embedding model: all-minilm is pulled');
      expect(after).toContain('ok   admin: 1 admin(s) configured');
    } finally {
      await ollama.close();
    }
  });

  it('warns about a Node past its end of life and fails on one too old to run', () => {
    expect(checkNode('20.20.2', Date.parse('2026-04-29T12:00:00Z'))).toMatchObject({
      ok: true,
      detail: 'Node 20.20.2 (supported until 2026-04-30)',
    });
    const eol = checkNode('20.20.2', Date.parse('2026-04-30T00:00:00Z'));
    expect(eol).toMatchObject({ ok: true, warn: true, detail: 'Node 20.20.2 reached its end of life on 2026-04-30' });
    expect(formatChecks([eol])).toContain('fix: install Node 22 or 24');
    expect(checkNode('18.19.0', Date.parse('2026-01-01T00:00:00Z')).ok).toBe(false);
  });
});

// Telegram is not the subject here: its check answers at once, without leaving this machine.
const refuseTelegram: typeof fetch = (input, init) =>
  String(input).includes('/bot') ? Promise.resolve(new Response('{}', { status: 200 })) : fetch(input, init);
