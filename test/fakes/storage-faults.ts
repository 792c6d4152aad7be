import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Intake, IntakeResult } from '../../core/contracts/chat-adapter.js';
import type { InboundMessage } from '../../core/contracts/messages.js';
import { guardIntake, StorageAlarm } from '../../core/health/storage-alarm.js';
import { systemClock } from '../../core/lib/clock.js';
import { silentLogger } from '../../core/logger.js';

/**
 * An Intake that stores messages in a real SQLite file which another connection can lock: while locked,
 * submit fails with better-sqlite3's own SQLITE_BUSY, as the real intake would when another writer holds
 * the database. Wrapped like the runtime's intake, so adapters see the same STORAGE_FAILED error.
 */
export class LockableIntake implements Intake {
  readonly stored: InboundMessage[] = [];
  readonly attempts: InboundMessage[] = [];
  readonly alarm = new StorageAlarm({ adapters: () => [], admins: () => [], clock: systemClock, logger: silentLogger() });
  private readonly db: Database.Database;
  private readonly locker: Database.Database;
  private readonly guarded: Intake;

  constructor(path: string) {
    this.db = new Database(path, { timeout: 0 });
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS inbox (id TEXT PRIMARY KEY, text TEXT)');
    this.locker = new Database(path, { timeout: 0 });
    const inner: Intake = {
      submit: async (message: InboundMessage): Promise<IntakeResult> => {
        this.attempts.push(message);
        const { changes } = this.db.prepare('INSERT OR IGNORE INTO inbox (id, text) VALUES (?, ?)').run(message.id, message.text);
        if (changes === 0) return { status: 'duplicate', taskId: this.stored.findIndex((m) => m.id === message.id) + 1 };
        this.stored.push(message);
        return { status: 'queued', taskId: this.stored.length };
      },
      whenAnswered: async () => {},
    };
    this.guarded = guardIntake(inner, this.alarm);
  }

  /** Another writer takes the database: every submit fails with SQLITE_BUSY until unlock(). */
  lock(): void {
    this.locker.exec('BEGIN IMMEDIATE');
  }

  unlock(): void {
    if (this.locker.inTransaction) this.locker.exec('ROLLBACK');
  }

  submit(message: InboundMessage): Promise<IntakeResult> {
    return this.guarded.submit(message);
  }

  whenAnswered(taskId: number): Promise<void> {
    return this.guarded.whenAnswered(taskId);
  }

  close(): void {
    this.unlock();
    this.locker.close();
    this.db.close();
  }
}

/** A size-limited tmpfs: a real file system that fills up. `mounted` is false (with the reason) where mounting is refused. */
export class TinyDisk {
  readonly path: string;
  mounted = false;
  reason = '';
  private filler: string;

  constructor(root: string, sizeMb: number) {
    this.path = join(root, 'disk');
    this.filler = join(this.path, 'filler');
    mkdirSync(this.path, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', this.path], { stdio: ['ignore', 'ignore', 'pipe'] });
      this.mounted = true;
    } catch (error) {
      this.reason = `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'refused'}): needs root`;
    }
  }

  /** Write until the file system says ENOSPC. */
  fill(): void {
    const fd = openSync(this.filler, 'a');
    const block = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  }

  free(): void {
    rmSync(this.filler, { force: true });
  }

  unmount(): void {
    if (!this.mounted) return;
    execFileSync('umount', ['-l', this.path]);
    this.mounted = false;
  }
}
