import type { ChatAdapter, Intake } from '../contracts/chat-adapter.js';
import type { Reply } from '../contracts/messages.js';
import { directAddress } from '../engine/alerts.js';
import { PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { isStorageFailure } from '../lib/storage-failure.js';
import type { Logger } from '../logger.js';

export interface StorageAlarmOptions {
  adapters: () => readonly ChatAdapter[];
  /** `platform:userId` of every admin. */
  admins: () => readonly string[];
  clock: Clock;
  logger: Logger;
  /** Least time between two "storage fails" alerts, so a flapping disk is no flood; 15 minutes by default. */
  minIntervalMs?: number;
  /** The rule packs: what goes out here passes them too, though it skips the outbox. */
  guard?: (reply: Reply) => Reply;
}

function reasonOf(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'STORAGE_FAILED') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'a storage error';
}

/**
 * Tells the admins when pie-brain cannot store what arrives, and when it can again. The usual alerts go
 * through the outbox, which lives in the same failing database: these go straight through each admin's
 * adapter, once per change of state and at most once per `minIntervalMs`.
 */
export class StorageAlarm {
  private failing = false;
  private announced = false;
  private lastAlertAt: number | undefined;

  constructor(private readonly options: StorageAlarmOptions) {}

  get isFailing(): boolean {
    return this.failing;
  }

  failed(platform: string, error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    const reason = reasonOf(error);
    this.options.logger.error({ platform, reason }, 'cannot store incoming messages; nothing is confirmed to the platforms');
    const now = this.options.clock.now();
    if (this.lastAlertAt !== undefined && now - this.lastAlertAt < (this.options.minIntervalMs ?? 15 * 60_000)) return;
    this.lastAlertAt = now;
    this.announced = true;
    this.send(
      `🔴 I cannot store incoming messages (${reason}, first on ${platform}). I confirm nothing I could not store: Telegram and Slack keep those messages and I take them in once storage works; on Discord people are asked to send again. Check the Pi's disk (\`df -h\`).`,
    );
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.options.logger.info('storing incoming messages works again');
    if (!this.announced) return;
    this.announced = false;
    this.send('🟢 Storing incoming messages works again; what waited on the platforms is being taken in.');
  }

  private send(text: string): void {
    for (const admin of this.options.admins()) {
      const at = admin.indexOf(':');
      if (at <= 0) continue;
      const platform = admin.slice(0, at);
      const adapter = this.options.adapters().find((candidate) => candidate.platform === platform);
      if (!adapter || adapter.connected?.() === false) continue;
      const reply = this.options.guard ? this.options.guard({ text }) : { text };
      adapter.send(directAddress(platform, admin.slice(at + 1)), reply).catch((error: unknown) => {
        this.options.logger.warn({ err: error, platform }, 'could not tell an admin about storage');
      });
    }
  }
}

/**
 * The intake as adapters get it: a storage failure becomes a STORAGE_FAILED error (so the adapter confirms
 * nothing) and raises the alarm; the next stored message clears it.
 */
export function guardIntake(intake: Intake, alarm: StorageAlarm): Intake {
  return {
    async submit(message) {
      try {
        const result = await intake.submit(message);
        alarm.recovered();
        return result;
      } catch (error) {
        if (!isStorageFailure(error)) throw error;
        alarm.failed(message.address.platform, error);
        throw new PieBrainError('STORAGE_FAILED', `could not store a ${message.address.platform} message`, {
          cause: error,
          userMessage:
            "I couldn't store your message: my storage is failing right now, so nothing will run. Please send it again in a while.",
        });
      }
    },
    whenAnswered: (taskId) => intake.whenAnswered(taskId),
    ...(intake.mayUse ? { mayUse: intake.mayUse.bind(intake) } : {}),
  };
}
