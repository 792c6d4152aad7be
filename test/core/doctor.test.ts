import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { runDoctor } from '../../core/doctor.js';
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
});
