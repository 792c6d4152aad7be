import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseThrottled, readPiVitals } from '../../../core/health/pi-vitals.js';
import { startCostHealth } from '../cost-health-fixture.js';

const running: Array<Awaited<ReturnType<typeof startCostHealth>>> = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

describe('Pi vitals', () => {
  it('decodes vcgencmd get_throttled', () => {
    expect(parseThrottled('throttled=0x50005\n')).toEqual({
      raw: '0x50005',
      now: ['under-voltage', 'throttled'],
      sinceBoot: ['under-voltage', 'throttled'],
    });
    expect(parseThrottled('throttled=0x0')).toEqual({ raw: '0x0', now: [], sinceBoot: [] });
    expect(parseThrottled('error')).toBeNull();
  });

  it('reads temperature, throttling (through a real vcgencmd-like program), memory and disk', async () => {
    const app = await startCostHealth();
    running.push(app);
    const thermal = join(app.dir.path, 'temp');
    writeFileSync(thermal, '48312\n');
    const vcgencmd = join(app.dir.path, 'vcgencmd');
    // It answers only when it got none of pie-brain's tokens.
    writeFileSync(vcgencmd, '#!/bin/sh\n[ -n "$TELEGRAM_BOT_TOKEN" ] && exit 1\n[ "$1" = get_throttled ] && echo "throttled=0x20000"\n');
    chmodSync(vcgencmd, 0o755);
    const meminfo = join(app.dir.path, 'meminfo');
    writeFileSync(meminfo, 'MemTotal:        3884096 kB\nMemFree:          100000 kB\nMemAvailable:    2048000 kB\n');
    const saved = process.env.TELEGRAM_BOT_TOKEN;
    process.env.TELEGRAM_BOT_TOKEN = '123:not-for-vcgencmd';
    const vitals = await readPiVitals({ dataDir: app.dir.path, thermalFile: thermal, vcgencmd, meminfoFile: meminfo }).finally(() => {
      if (saved === undefined) delete process.env.TELEGRAM_BOT_TOKEN;
      else process.env.TELEGRAM_BOT_TOKEN = saved;
    });
    expect(vitals.cpuTemperatureC).toBe(48.3);
    expect(vitals.throttling).toEqual({ raw: '0x20000', now: [], sinceBoot: ['frequency capped'] });
    expect(vitals.memory.availableMb).toBe(2000);
    expect(vitals.disk?.freeMb).toBeGreaterThan(0);
    expect(vitals.load).toHaveLength(3);
    const bare = await readPiVitals({
      dataDir: app.dir.path,
      thermalFile: join(app.dir.path, 'none'),
      vcgencmd: join(app.dir.path, 'none'),
    });
    expect(bare.cpuTemperatureC).toBeNull();
    expect(bare.throttling).toBeNull();
  });

  it("reads the Pi's throttling from the firmware's sysfs file, spawning nothing (the heartbeat's path)", async () => {
    const app = await startCostHealth();
    running.push(app);
    const throttledFile = join(app.dir.path, 'get_throttled');
    writeFileSync(throttledFile, '50005\n');
    const spawned = join(app.dir.path, 'spawned');
    const vcgencmd = join(app.dir.path, 'vcgencmd');
    writeFileSync(vcgencmd, `#!/bin/sh\ntouch '${spawned}'\necho "throttled=0x0"\n`);
    chmodSync(vcgencmd, 0o755);
    const vitals = await readPiVitals({ dataDir: app.dir.path, throttledFile, vcgencmd });
    expect(vitals.throttling).toEqual({ raw: '0x50005', now: ['under-voltage', 'throttled'], sinceBoot: ['under-voltage', 'throttled'] });
    expect(existsSync(spawned)).toBe(false);
    // Off a Pi (no such file) and with no vcgencmd named, nothing is spawned either.
    const elsewhere = await readPiVitals({ dataDir: app.dir.path, throttledFile: join(app.dir.path, 'none') });
    expect(elsewhere.throttling).toBeNull();
  });
});

describe('/health end to end', () => {
  it('tells an admin about Ollama, providers, the queue, cloud runs, jobs, adapters and the Pi', async () => {
    const app = await startCostHealth({ router: { model: 'qwen2.5:1.5b' } });
    running.push(app);
    app.ollama.loaded = [{ name: 'qwen2.5:1.5b' }];
    const { runtime } = app;
    runtime.bus.emit('llm-called', {
      taskId: null,
      provider: 'ollama',
      model: 'qwen2.5:1.5b',
      purpose: 'route',
      tokensIn: 300,
      tokensOut: 20,
      costUsd: 0,
      latencyMs: 1800,
    });
    const now = runtime.clock.now();
    runtime.health.registerCloudRuns(() => [{ taskId: 42, brain: 'claude-code', startedAt: now - 125_000, costSoFarUsd: 0.31 }]);
    runtime.health.registerSchedule(() => [{ name: 'arxiv-digest', lastRunAt: null, nextRunAt: now + 3600_000 }]);
    runtime.health.registerSchedule(() => {
      throw new Error('a broken source must not break /health');
    });
    const text = (await app.ask('/health')).replies[0]?.reply.text ?? '';
    expect(text).toMatch(/^\*pie-brain 9\.9\.9-test\* health at \d\d:\d\d \(Europe\/Berlin\)/);
    expect(text).toContain('*Ollama*: up, version 0.12.6; router model qwen2.5:1.5b loaded; p95 1.8 s');
    expect(text).toMatch(/- ollama: up, score 100 OPTIMAL; p50 1\.8 s, p95 1\.8 s/);
    expect(text).toContain('- anthropic: unknown, untested ACCEPTABLE');
    expect(text).toMatch(/\*Queue\*: 0 pending, 1 running/);
    // At least the 125 s since the run started; more when the machine is slow to answer.
    expect(text).toMatch(/- claude-code for #42: 2m\d\ds, \$0\.31 so far/);
    expect(text).toMatch(/- arxiv-digest: last never, next (\d+ \w{3} )?\d\d:\d\d/);
    expect(text).toContain('*Adapters*: telegram connected');
    expect(text).toContain('*Pi*: CPU no sensor; throttling not a Pi (no vcgencmd)');
    expect(text).toMatch(/- disk \d+\.\d GB free of \d+\.\d GB/);
    expect(app.ollama.requests.map((r) => r.path).sort()).toEqual(['/api/ps', '/api/tags', '/api/version']);
  });

  it('warns at the top when the configured Anthropic model is deprecated or retired; the default is neither', async () => {
    const old = await startCostHealth({ anthropic: { model: 'claude-sonnet-4-5-20250929' } });
    running.push(old);
    const text = (await old.ask('/health')).replies[0]?.reply.text ?? '';
    expect(text.split('\n')[1]).toMatch(
      /^\*Model (DEPRECATED|RETIRED)\*: anthropic\.model is claude-sonnet-4-5-20250929, .*2026-11-30.*claude-sonnet-5$/,
    );
    const current = await startCostHealth();
    running.push(current);
    expect((await current.ask('/health')).replies[0]?.reply.text).not.toContain('*Model');
  });

  it('says when Ollama is down and records it for the monitor', async () => {
    const app = await startCostHealth();
    running.push(app);
    app.ollama.failWith = 503;
    const text = (await app.ask('/health')).replies[0]?.reply.text ?? '';
    expect(text).toContain('*Ollama*: down (HTTP 503)');
    expect(app.services.monitor.health('ollama').availability24h).toBe(0);
  });

  it('refuses a user who is not an admin', async () => {
    const app = await startCostHealth();
    running.push(app);
    expect((await app.ask('/health', 'friend')).replies.map((r) => r.reply.text)).toEqual([
      expect.stringMatching(/^Sorry, \/health needs the right to operate pie-brain/),
    ]);
    expect(app.ollama.requests).toEqual([]);
  });
});
