import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../../core/contracts/messages.js';
import { addressOf } from '../../../core/contracts/task.js';
import { directAddress } from '../../../core/engine/alerts.js';
import { ProgressMessage } from '../../../core/engine/progress.js';
import { createMetrics } from '../../../core/http/metrics.js';
import { quietLogger, tempDir, waitFor } from '../../helpers.js';
import { startRuntime } from '../runtime-harness.js';
import { ruleHits } from './rule-hits.js';

const SECRET = 'pb-configured-Secret-4711';
const ANTHROPIC_KEY = 'sk-ant-api03-Zx9Qm2Lk7Vb4Nc1Rt8Yw3Pe6Ha5Sd0Fg';
const TELEGRAM_TOKEN = '7312894056:AAH3kq9Zr2LmXv8TnP4sWc6YbQe1JdUf0gA';

type Harness = Awaited<ReturnType<typeof startRuntime>>;
const open: Harness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

async function start(options: Parameters<typeof startRuntime>[0] = {}): Promise<Harness> {
  const harness = await startRuntime({ secrets: [SECRET], ...options });
  open.push(harness);
  return harness;
}

/** A message from the owner, answered (its reply sent). */
async function ask(harness: Harness, text: string): Promise<number> {
  const result = await harness.adapter.receive(text);
  if (result.status !== 'queued') throw new Error(`not queued: ${result.status}`);
  await harness.runtime.intake.whenAnswered(result.taskId);
  return result.taskId;
}

/** Every byte SQLite has written for this data dir (the database and its write-ahead log). */
function databaseBytes(harness: Harness): string {
  const file = join(harness.root, 'home', 'pie-brain.db');
  return [file, `${file}-wal`]
    .filter(existsSync)
    .map((path) => readFileSync(path).toString('latin1'))
    .join('');
}

describe('rule packs on the way out', () => {
  it('a reply quoting secrets is redacted before it is stored: the chat gets the redacted text, the SD card never holds the secret', async () => {
    // A tool (or a model talked into it) answers with a configured secret and a key it read somewhere.
    const harness = await start({ route: async () => ({ text: `here you go: ${SECRET} and ${ANTHROPIC_KEY}` }) });
    const taskId = await ask(harness, 'show me the config');
    const expected = 'here you go: [REDACTED: configured secret] and [REDACTED: Anthropic API key]';
    expect(harness.adapter.texts()).toEqual([expected]);
    expect(harness.runtime.outbox.forTask(taskId)[0]?.body).toEqual({ text: expected });
    harness.runtime.db.pragma('wal_checkpoint(PASSIVE)');
    const bytes = databaseBytes(harness);
    expect(bytes).toContain('[REDACTED: configured secret]');
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain(ANTHROPIC_KEY);
    expect(ruleHits(harness.runtime.queue, taskId)).toEqual([
      { pack: 'secrets', rule: 'configured-secret', severity: 'redact', surface: 'output', count: 1 },
      { pack: 'secrets', rule: 'anthropic-key', severity: 'redact', surface: 'output', count: 1 },
    ]);
    // /task shows the hits, never what matched.
    await ask(harness, `/task ${taskId}`);
    const trace = harness.adapter.texts().at(-1) ?? '';
    expect(trace).toContain('rule-hit');
    expect(trace).not.toContain(SECRET);
  });

  it('footers and image captions are checked too', async () => {
    const harness = await start({
      route: async () => ({
        text: 'chart',
        footer: `key ${SECRET}`,
        attachments: [{ kind: 'image', path: '/tmp/none.png', caption: `token ${TELEGRAM_TOKEN}` }],
      }),
    });
    const taskId = await ask(harness, 'draw it');
    expect(harness.runtime.outbox.forTask(taskId)[0]?.body).toEqual({
      text: 'chart',
      footer: 'key [REDACTED: configured secret]',
      attachments: [{ kind: 'image', path: '/tmp/none.png', caption: 'token [REDACTED: Telegram bot token]' }],
    });
  });

  it('progress messages, their edits, admin alerts and digest posts pass the same packs', async () => {
    const harness = await start({
      route: async (ctx) => {
        ctx.progress({ text: `working with ${SECRET}` });
        return { text: 'done' };
      },
    });
    const { runtime, adapter } = harness;
    const taskId = await ask(harness, 'go');
    expect(adapter.texts()).toEqual(['working with [REDACTED: configured secret]', 'done']);

    // A cloud run's progress message, edited in place: each edit goes through delivery and the packs.
    const task = runtime.queue.get(taskId);
    if (!task) throw new Error('no task');
    const progress = new ProgressMessage({
      outbox: runtime.outbox,
      taskId,
      address: addressOf(task),
      dedupeKey: 'progress-test',
      clock: runtime.clock,
      logger: quietLogger(),
      intervalMs: 0,
      delivery: runtime.delivery,
    });
    progress.start('starting');
    await waitFor(() => adapter.texts().includes('starting'), 5000, 'the progress message');
    await progress.update(`step 2: exported ANTHROPIC_API_KEY=${ANTHROPIC_KEY}`, true);
    expect(adapter.edits.map((edit) => edit.reply.text)).toEqual(['step 2: exported ANTHROPIC_API_KEY=[REDACTED: Anthropic API key]']);
    expect(ruleHits(harness.runtime.queue, taskId).map((hit) => hit?.rule)).toEqual(['configured-secret', 'anthropic-key']);

    // An error quoting the Bot API URL, forwarded to the admins as an alert.
    runtime.alerts.notify('telegram-down', `Telegram failed: GET https://api.telegram.org/bot${TELEGRAM_TOKEN}/getMe: 401`);
    // A digest post: text from outside (arXiv) goes out the same way.
    runtime.outbox.add(
      { address: { platform: 'fake', chatId: 'papers' }, body: { text: `New paper mentions ${SECRET}` }, kind: 'post' },
      runtime.clock.now(),
    );
    await waitFor(() => adapter.sent.length >= 5, 5000, 'the alert and the post');
    expect(adapter.sent.slice(3).map((sent) => [sent.address.chatId, sent.reply.text])).toEqual([
      [
        directAddress('fake', 'owner').chatId,
        '🟠 Telegram failed: GET https://api.telegram.org/bot[REDACTED: Telegram bot token]/getMe: 401',
      ],
      ['papers', 'New paper mentions [REDACTED: configured secret]'],
    ]);
  });

  it('a row added twice under one key is checked once, and keeps what was stored first', async () => {
    const harness = await start();
    const hits: unknown[] = [];
    harness.runtime.bus.on('rule-hit', (hit) => hits.push(hit));
    const item = { address: { platform: 'fake', chatId: 'c' }, body: { text: SECRET }, dedupeKey: 'once' };
    const first = harness.runtime.outbox.add(item, 1);
    const second = harness.runtime.outbox.add({ ...item, body: { text: 'other' } }, 2);
    expect(second).toEqual({ id: first.id, created: false });
    expect(harness.runtime.outbox.get(first.id)?.body).toEqual({ text: '[REDACTED: configured secret]' });
    expect(hits).toHaveLength(1);
  });

  it('every hit is counted in /metrics by pack, rule, surface and severity', async () => {
    const harness = await start({ route: async () => ({ text: `${SECRET} ${SECRET}` }) });
    const metrics = createMetrics({
      bus: harness.runtime.bus,
      queueStats: () => harness.runtime.queue.stats(),
      providers: () => [],
      budget: () => ({ month: { spentUsd: 0, heldUsd: 0, limitUsd: null } }) as never,
      now: () => harness.runtime.clock.now(),
    });
    await ask(harness, 'x');
    await ask(harness, 'y');
    const text = await metrics.registry.metrics();
    metrics.close();
    expect(text).toContain('# TYPE pie_brain_rule_hits_total counter');
    expect(text).toContain('pie_brain_rule_hits_total{pack="secrets",rule="configured-secret",surface="output",severity="redact"} 2');
  });
});

describe('user rule packs on a running pie-brain', () => {
  const HOUSE = [
    'id: house',
    'rules:',
    '  - id: intranet',
    '    severity: error',
    "    pattern: '\\b[a-z0-9-]+\\.corp\\.example\\b'",
    '    message: internal host names stay inside',
    '    applies: [output]',
    '  - id: prod',
    '    severity: warning',
    "    pattern: '(?i)deploy to prod'",
    '    message: production deploys need a second pair of eyes',
    '  - id: wipe',
    '    severity: error',
    "    pattern: '^/wipe\\b'",
    '    message: nobody wipes anything from a chat',
    '    applies: [command]',
    '',
  ].join('\n');

  async function withHouseRules(route: (text: string) => Reply) {
    const dir = tempDir();
    mkdirSync(join(dir.path, 'home', 'rule-packs'), { recursive: true });
    writeFileSync(join(dir.path, 'home', 'rule-packs', 'house.yaml'), HOUSE);
    const harness = await start({ dir: dir.path, route: async (ctx) => route(ctx.message.text) });
    return { harness, cleanup: dir };
  }

  it('an error rule holds a reply back with its reason; a warning adds a note', async () => {
    const { harness, cleanup } = await withHouseRules((text) => ({ text: text === 'where' ? 'It runs on ci-01.corp.example.' : 'ok' }));
    try {
      const blocked = await ask(harness, 'where');
      expect(harness.adapter.texts().at(-1)).toBe('⛔ I held back this message: internal host names stay inside (rule house/intranet).');
      expect(ruleHits(harness.runtime.queue, blocked)).toEqual([
        { pack: 'house', rule: 'intranet', severity: 'error', surface: 'output', count: 1 },
      ]);
      expect(databaseBytes(harness)).not.toContain('ci-01.corp.example');

      const noted = await ask(harness, 'please deploy to prod');
      // Once for the request (a command or message before it runs), then the reply passes with the note.
      expect(harness.adapter.texts().at(-1)).toBe('ok\n\n⚠️ production deploys need a second pair of eyes');
      expect(ruleHits(harness.runtime.queue, noted)).toEqual([
        { pack: 'house', rule: 'prod', severity: 'warning', surface: 'command', count: 1 },
      ]);
    } finally {
      cleanup.remove();
    }
  });

  it('a command an error rule matches does not run: the reply names the rule', async () => {
    const { harness, cleanup } = await withHouseRules(() => ({ text: 'ok' }));
    try {
      const ran: string[] = [];
      harness.runtime.commands.register({
        name: 'wipe',
        description: 'test command',
        usage: '/wipe',
        privileges: ['read'],
        run: ({ args }) => {
          ran.push(args);
          return { text: 'wiped' };
        },
      });
      const taskId = await ask(harness, '/wipe everything');
      expect(ran).toEqual([]);
      expect(harness.adapter.texts().at(-1)).toBe('⛔ Refused by the rule house/wipe: nobody wipes anything from a chat');
      expect(harness.runtime.queue.get(taskId)?.status).toBe('done');
      expect(ruleHits(harness.runtime.queue, taskId)).toEqual([
        { pack: 'house', rule: 'wipe', severity: 'error', surface: 'command', count: 1 },
      ]);
    } finally {
      cleanup.remove();
    }
  });
});
