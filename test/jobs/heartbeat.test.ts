import { afterEach, describe, expect, it } from 'vitest';
import type { PiVitals } from '../../core/health/pi-vitals.js';
import { createHeartbeatJob } from '../../jobs/heartbeat.js';
import { startRuntime } from '../core/runtime-harness.js';
import { FakeClock } from '../fakes/clock.js';

type Harness = Awaited<ReturnType<typeof startRuntime>>;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function vitals(freeMb: number, temperature: number): PiVitals {
  return {
    cpuTemperatureC: temperature,
    throttling: null,
    load: [0.1, 0.1, 0.1],
    cpus: 4,
    memory: { totalMb: 4096, availableMb: 3000 },
    disk: { path: '/home/pi/.pie-brain', freeMb, totalMb: 30_000 },
    systemUptimeS: 100,
    processUptimeS: 50,
  };
}

describe('heartbeat job', () => {
  it('alerts the admins once per change of state and never calls a model', async () => {
    const clock = new FakeClock();
    harness = await startRuntime({ clock });
    const { runtime } = harness;
    let current = vitals(10_000, 50);
    let ollamaUp = true;
    let llmCalls = 0;
    runtime.bus.on('llm-called', () => {
      llmCalls += 1;
    });
    const job = createHeartbeatJob({
      config: runtime.options.config,
      clock,
      alerts: runtime.alerts,
      probeOllama: async () => ({ up: ollamaUp, routerModelInstalled: ollamaUp, error: ollamaUp ? null : 'ECONNREFUSED' }),
      readVitals: async () => current,
      queueStats: () => runtime.queue.stats(),
    });
    const beat = async () => {
      const summary = await job.run({ scheduledFor: clock.now(), caughtUp: false, signal: new AbortController().signal });
      await clock.advance(100);
      return summary;
    };
    expect(await beat()).toBe('ollama up; queue 0 pending, lag 0s; disk 10000 MB free; cpu 50.0 °C');
    expect(harness.adapter.sent).toHaveLength(0);
    current = vitals(200, 81);
    await beat();
    await beat();
    const alerts = harness.adapter.sent.map((m) => m.reply.text);
    expect(alerts).toHaveLength(2);
    expect(alerts.find((t) => t.includes('Disk space is low'))).toMatch(/200 MB free in \/home\/pi\/\.pie-brain/);
    expect(alerts.find((t) => t.includes('The Pi is hot'))).toMatch(/81\.0 °C \(alert above 75 °C\)/);
    current = vitals(10_000, 50);
    await beat();
    expect(harness.adapter.sent).toHaveLength(4);
    expect(harness.adapter.sent.every((m) => m.address.chatId === 'dm:owner')).toBe(true);
    ollamaUp = false;
    expect(await beat()).toMatch(/^ollama down \(ECONNREFUSED\)/);
    expect(llmCalls).toBe(0);
    expect(runtime.ledger.between(0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});
