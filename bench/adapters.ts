// bench/adapters: the built program (node dist/main.js start) connected to loopback fakes of Telegram,
// Discord and Slack at once. 1,000 messages spread over the three, each a built-in command (no model):
// every one must be answered; latency is from the fake sending the message to the reply request reaching
// the fake. Then CPU in the 30 s after the last answer, and RSS and CPU after that while all three are
// connected and idle.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeDiscord } from '../test/fakes/discord.js';
import { FakeSlack } from '../test/fakes/slack.js';
import { FakeTelegramBotApi } from '../test/fakes/telegram.js';
import { percentile, report } from './report.js';
import { mallocEnvOfUnit, nodeFlagsOfUnit, processStat, startAsUnit } from './unit-flags.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
// 15 ms between messages is ~22 messages/s per platform: under Discord's 50 requests/s, which discord.js
// enforces by queueing (at 5 ms the Discord third queues behind its own rate limiter, not behind pie-brain).
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 15);
const SYNCHRONOUS = process.env.BENCH_SYNCHRONOUS ?? 'FULL';
// Quiet time after the last answer before idle is measured: idle CPU is measured after 30 s of quiet.
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 30);
const main = fileURLToPath(new URL('../main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-adapters-'));
  const telegram = await new FakeTelegramBotApi().start();
  const discord = new FakeDiscord();
  await discord.start();
  const slack = new FakeSlack();
  await slack.start();
  const telegramUser = { id: 4242, is_bot: false, first_name: 'Owner' };
  const slackUser = 'UOWNER';

  const sentAt = new Map<string, number>();
  const platformOf = new Map<string, string>();
  const latencies = new Map<string, number>();
  const seen = (text: string, at: number) => {
    const match = /There is no task (\d+)/.exec(text);
    const key = match?.[1];
    const start = key ? sentAt.get(key) : undefined;
    if (key && start !== undefined && !latencies.has(key)) latencies.set(key, at - start);
  };
  discord.on('posted', (message: { content: string }) => seen(message.content, Date.now()));
  slack.on('request', () => {
    for (const message of slack.messages) seen(message.text, Date.now());
  });

  const { child, ready } = startAsUnit(main, dir, {
    stdin: 'ignore',
    env: {
      OLLAMA_HOST: 'http://127.0.0.1:9',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      DISCORD_BOT_TOKEN: 'fake-discord-token',
      DISCORD_API_URL: discord.url,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      PIE_BRAIN_ADMINS: `telegram:${telegramUser.id},discord:${discord.owner.id},slack:${slackUser}`,
      PIE_BRAIN_CONFIG: join(dir, 'config.yaml'),
    },
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'config.yaml'), `storage:\n  synchronous: ${SYNCHRONOUS}\njobs:\n  digest:\n    enabled: false\n`);
  const pid = child.pid as number;
  const started = Date.now();
  while (!existsSync(ready)) {
    if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error('pie-brain did not become ready');
    await sleep(10);
  }
  await discord.whenIdentified();
  report('adapters', 'start_to_ready_ms', Number(readFileSync(ready, 'utf8')) - started, 'ms', { adapters: 3 });

  const began = Date.now();
  for (let i = 0; i < MESSAGES; i += 1) {
    const key = String(900_000 + i);
    sentAt.set(key, Date.now());
    const text = `/task ${key}`;
    platformOf.set(key, ['telegram', 'discord', 'slack'][i % 3] as string);
    if (i % 3 === 0) telegram.userSends({ from: telegramUser, text });
    else if (i % 3 === 1) discord.userMentionsBot(text);
    else
      await slack.sendEvent(
        slack.eventPayload({ type: 'message', channel_type: 'im', channel: `D${slackUser}`, user: slackUser, text, ts: slack.ts() }),
      );
    if (PACE_MS) await sleep(PACE_MS);
  }
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    for (const request of telegram.requests) if (request.method === 'sendMessage') seen(String(request.params.text ?? ''), request.at);
    if (latencies.size >= MESSAGES) break;
    await sleep(50);
  }
  const values = [...latencies.values()];
  report('adapters', 'answered', latencies.size, 'messages', { sent: MESSAGES, synchronous: SYNCHRONOUS });
  report('adapters', 'reply_latency_p50', percentile(values, 50), 'ms', {
    messages: values.length,
    pace_ms: PACE_MS,
    synchronous: SYNCHRONOUS,
  });
  report('adapters', 'reply_latency_p99', percentile(values, 99), 'ms', {
    messages: values.length,
    pace_ms: PACE_MS,
    synchronous: SYNCHRONOUS,
  });
  for (const platform of ['telegram', 'discord', 'slack']) {
    const own = [...latencies].filter(([key]) => platformOf.get(key) === platform).map(([, ms]) => ms);
    report('adapters', 'reply_latency_p99', percentile(own, 99), 'ms', { platform, messages: own.length, pace_ms: PACE_MS });
  }
  report('adapters', 'throughput', (latencies.size / (Date.now() - began)) * 1000, 'messages/s', { synchronous: SYNCHRONOUS });

  // The first seconds after a burst are not idle: V8's memory reducer collects and shrinks the heap about
  // ten seconds after allocation stops. Reported on its own; idle is measured after SETTLE_SECONDS of quiet.
  const quiet = processStat(pid);
  await sleep(SETTLE_SECONDS * 1000);
  const before = processStat(pid);
  report('adapters', 'cpu_after_answers_percent', ((before.cpuS - quiet.cpuS) / SETTLE_SECONDS) * 100, '% of one core', {
    adapters: 3,
    window_s: SETTLE_SECONDS,
  });
  await sleep(IDLE_SECONDS * 1000);
  const after = processStat(pid);
  report('adapters', 'rss_idle_mb', after.rssMb, 'MB', {
    adapters: 3,
    idle_s: SETTLE_SECONDS + IDLE_SECONDS,
    after_messages: MESSAGES,
    // File-backed pages are mostly Node's own binary (shared, and dropped by the kernel under pressure).
    anon_mb: Math.round(after.anonMb * 10) / 10,
    file_mb: Math.round(after.fileMb * 10) / 10,
    node_flags: nodeFlagsOfUnit().join(' '),
    malloc: JSON.stringify(mallocEnvOfUnit()),
  });
  report('adapters', 'cpu_idle_percent', ((after.cpuS - before.cpuS) / IDLE_SECONDS) * 100, '% of one core', {
    adapters: 3,
    window_s: IDLE_SECONDS,
    after_quiet_s: SETTLE_SECONDS,
  });

  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  await Promise.all([telegram.stop(), discord.stop(), slack.stop()]);
  rmSync(dir, { recursive: true, force: true });
}

run().catch((error: unknown) => {
  process.stderr.write(`bench adapters failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
