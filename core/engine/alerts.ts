import type { KeyValueStore } from '../../storage/kv.js';
import type { Outbox } from '../../storage/outbox.js';
import type { Address } from '../contracts/messages.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './events.js';

/** Chat ids of this form mean "a direct message to this user"; every adapter resolves them. */
export const DIRECT_PREFIX = 'dm:';

export function directAddress(platform: string, userId: string): Address {
  return { platform, chatId: `${DIRECT_PREFIX}${userId}` };
}

export function isDirectChat(chatId: string): boolean {
  return chatId.startsWith(DIRECT_PREFIX);
}

export type AlertState = 'ok' | 'bad';
export type Severity = 'info' | 'warning' | 'critical';

export interface AlertsOptions {
  outbox: Outbox;
  kv: KeyValueStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** `platform:userId` of every admin. */
  admins: () => readonly string[];
}

/**
 * Tells the admins, in a direct message on their platform, when something changes state. Each key is
 * posted once per change (bad, then ok again), never repeatedly while the state holds; states are kept in
 * SQLite so a restart does not repeat them.
 */
export class Alerts {
  constructor(private readonly options: AlertsOptions) {}

  state(key: string): AlertState {
    return this.options.kv.get<AlertState>(`alert:${key}`) ?? 'ok';
  }

  /** Record the state of `key`; posts `text` to the admins only when the state changed. Returns whether it posted. */
  transition(key: string, state: AlertState, text: string, severity: Severity = state === 'bad' ? 'warning' : 'info'): boolean {
    if (this.state(key) === state) return false;
    this.options.kv.set(`alert:${key}`, state, this.options.clock.now());
    this.post(`${key}:${state}:${this.options.clock.now()}`, text, severity, key);
    return true;
  }

  /** A one-off notice (a budget threshold, a job that failed for good); `onceKey` makes it idempotent. */
  notify(onceKey: string, text: string, severity: Severity = 'warning'): boolean {
    const seen = `notice:${onceKey}`;
    if (this.options.kv.get(seen)) return false;
    this.options.kv.set(seen, true, this.options.clock.now());
    this.post(onceKey, text, severity, onceKey);
    return true;
  }

  private post(dedupe: string, text: string, severity: Severity, key: string): void {
    const icon = severity === 'critical' ? '🔴' : severity === 'warning' ? '🟠' : '🟢';
    const now = this.options.clock.now();
    let queued = 0;
    for (const admin of this.options.admins()) {
      const at = admin.indexOf(':');
      if (at <= 0) continue;
      const address = directAddress(admin.slice(0, at), admin.slice(at + 1));
      const { created } = this.options.outbox.add(
        { address, body: { text: `${icon} ${text}` }, kind: 'alert', dedupeKey: `alert:${dedupe}:${admin}` },
        now,
      );
      if (created) queued += 1;
    }
    this.options.bus.emit('alert-raised', { key, text, severity });
    this.options.logger[severity === 'info' ? 'info' : 'warn']({ alert: key, admins: queued }, text);
  }
}
