// Slack through the real Runtime against the loopback fake: reply latency with an instant router, then
// memory and CPU while connected and idle. Prints JSON lines. BENCH_MESSAGES / BENCH_IDLE_MS override sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlackAdapter } from '../bots/slack.js';
import { parseConfig } from '../core/config.js';
import { silentLogger } from '../core/logger.js';
import { Runtime } from '../core/runtime.js';
import { FakeSlack } from '../test/fakes/slack.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const USERS = 10;
const PACE_MS = 2;
// FULL (the default) fsyncs every queue and outbox write; NORMAL shows what the adapter itself costs.
const SYNCHRONOUS = process.env.BENCH_SYNCHRONOUS ?? 'FULL';

function print(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(
    `${JSON.stringify({ bench: 'slack-adapter', metric, value, unit, mode: 'socket', synchronous: SYNCHRONOUS, ...extra })}\n`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pie-brain-bench-slack-'));
  const fake = new FakeSlack();
  await fake.start();
  const users = Array.from({ length: USERS }, (_, i) => `UBENCH${i}`);
  const { config } = parseConfig({ access: { allowedUsers: { slack: users } }, storage: { synchronous: SYNCHRONOUS } });
  const runtime = new Runtime({ config, paths: { home: join(root, 'home'), brainDir: join(root, 'brain') }, logger: silentLogger() });
  runtime.setRouteHandler(async (ctx) => ({ text: `ok ${ctx.message.text}` }));
  const logger = silentLogger();
  runtime.addAdapter(new SlackAdapter({ botToken: fake.botToken, appToken: fake.appToken, mode: 'socket', apiUrl: fake.apiUrl, logger }));
  await runtime.start();

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let seen = 0;
  fake.on('request', () => {
    for (; seen < fake.messages.length; seen += 1) {
      const key = fake.messages[seen]?.text.replace(/^ok /, '') ?? '';
      const start = sentAt.get(key);
      if (start !== undefined) latencies.push(performance.now() - start);
    }
  });
  const began = performance.now();
  for (let i = 0; i < MESSAGES; i += 1) {
    const user = users[i % USERS] ?? 'UBENCH0';
    const text = `m${i}`;
    sentAt.set(text, performance.now());
    await fake.sendEvent(fake.eventPayload({ type: 'message', channel_type: 'im', channel: `D${user}`, user, text, ts: fake.ts() }));
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  await fake.waitFor(() => (latencies.length >= MESSAGES ? true : undefined), 120_000, 'every reply');
  const total = performance.now() - began;
  latencies.sort((a, b) => a - b);
  print('answered', latencies.length, 'messages', { messages: MESSAGES });
  print('reply_latency_p50', Number(percentile(latencies, 50).toFixed(2)), 'ms', { messages: MESSAGES, pace_ms: PACE_MS });
  print('reply_latency_p99', Number(percentile(latencies, 99).toFixed(2)), 'ms', { messages: MESSAGES, pace_ms: PACE_MS });
  print('throughput', Number(((MESSAGES / total) * 1000).toFixed(1)), 'messages/s', { messages: MESSAGES });

  globalThis.gc?.();
  const cpuBefore = process.cpuUsage();
  const idleBegan = performance.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const cpu = process.cpuUsage(cpuBefore);
  const idleMs = performance.now() - idleBegan;
  print('rss_idle', Math.round(process.memoryUsage().rss / 1024 / 1024), 'MB', { idle_ms: IDLE_MS, includes_fake: true });
  print('cpu_idle', Number((((cpu.user + cpu.system) / 1000 / idleMs) * 100).toFixed(3)), '%', { idle_ms: IDLE_MS, includes_fake: true });

  await runtime.stop(2000);
  await fake.stop();
  rmSync(root, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench slack-adapter failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
