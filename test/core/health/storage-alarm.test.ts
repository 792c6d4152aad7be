import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Intake } from '../../../core/contracts/chat-adapter.js';
import { guardIntake, StorageAlarm } from '../../../core/health/storage-alarm.js';
import { isStorageFailure } from '../../../core/lib/storage-failure.js';
import { RuleChecker } from '../../../core/rule-packs/rule-checker.js';
import { secretsPack } from '../../../core/rule-packs/secrets-pack.js';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import { FakeClock } from '../../fakes/clock.js';
import { inbound, quietLogger, waitFor } from '../../helpers.js';

/** A real better-sqlite3 error of the given kind. */
function sqliteError(kind: 'readonly' | 'constraint'): unknown {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  db.exec('INSERT INTO t VALUES (1)');
  try {
    if (kind === 'readonly') {
      db.pragma('query_only = ON');
      db.exec('INSERT INTO t VALUES (2)');
    } else db.exec('INSERT INTO t VALUES (1)');
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error('expected SQLite to refuse');
}

function failingIntake(errors: unknown[]): Intake {
  return {
    submit: async () => {
      const error = errors.shift();
      if (error) throw error;
      return { status: 'queued', taskId: 1 };
    },
    whenAnswered: async () => {},
  };
}

describe('storage alarm', () => {
  it('knows storage failures from statement errors', () => {
    expect(isStorageFailure(sqliteError('readonly'))).toBe(true);
    expect(isStorageFailure(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageFailure(new Error('wrapped', { cause: sqliteError('readonly') }))).toBe(true);
    expect(isStorageFailure(sqliteError('constraint'))).toBe(false);
    expect(isStorageFailure(new Error('disk I/O error'))).toBe(false);
  });

  it('tells each admin once per change of state through their own adapter, at most every 15 minutes, and lets other errors through', async () => {
    const clock = new FakeClock();
    const telegram = new FakeChatAdapter('telegram');
    const slack = new FakeChatAdapter('slack');
    const alarm = new StorageAlarm({
      adapters: () => [telegram, slack],
      admins: () => ['telegram:1', 'slack:U1', 'discord:9'],
      clock,
      logger: quietLogger(),
    });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    await telegram.start(failingIntake([]));
    await slack.start(failingIntake([]));
    const bug = new TypeError('a bug, not storage');
    const intake = guardIntake(failingIntake([full, full, undefined, full, undefined, bug]), alarm);
    const message = inbound('hello', { address: { platform: 'telegram', chatId: '1' } });

    await expect(intake.submit(message)).rejects.toMatchObject({ code: 'STORAGE_FAILED', cause: full });
    await expect(intake.submit(message)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await intake.submit(message);
    expect(telegram.texts()).toEqual([
      "🔴 I cannot store incoming messages (SQLITE_FULL, first on telegram). I confirm nothing I could not store: Telegram and Slack keep those messages and I take them in once storage works; on Discord people are asked to send again. Check the Pi's disk (`df -h`).",
      '🟢 Storing incoming messages works again; what waited on the platforms is being taken in.',
    ]);
    expect(slack.sent.map((m) => m.address)).toEqual([
      { platform: 'slack', chatId: 'dm:U1' },
      { platform: 'slack', chatId: 'dm:U1' },
    ]);

    // It flaps within 15 minutes: logged, not announced again.
    await clock.advance(60_000);
    await expect(intake.submit(message)).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await intake.submit(message);
    expect(telegram.texts()).toHaveLength(2);
    await expect(intake.submit(message)).rejects.toBe(bug);
    expect(alarm.isFailing).toBe(false);
  });

  it('what it sends straight through the adapters passes the rule packs like everything else', async () => {
    const telegram = new FakeChatAdapter('telegram');
    await telegram.start(failingIntake([]));
    const checker = new RuleChecker({ packs: [secretsPack(['SQLITE_FULL'])] });
    const alarm = new StorageAlarm({
      adapters: () => [telegram],
      admins: () => ['telegram:1'],
      clock: new FakeClock(),
      logger: quietLogger(),
      guard: (reply) => checker.guardReply(reply, null),
    });
    alarm.failed('telegram', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    await waitFor(() => telegram.sent.length === 1, 2000, 'the alert');
    expect(telegram.texts()[0]).toMatch(/^🔴 I cannot store incoming messages \(\[REDACTED: configured secret\], first on telegram\)/);
  });
});
