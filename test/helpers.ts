import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, PRIVILEGES, type Privilege } from '../core/access.js';
import { type Config, type Paths, parseConfig } from '../core/config.js';
import type { InboundMessage } from '../core/contracts/messages.js';
import { silentLogger } from '../core/logger.js';

/** A temp folder removed after the test file (register with afterAll/afterEach). */
export function tempDir(prefix = 'pie-brain-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Defaults with overrides, validated like a real config file. */
export function testConfig(overrides: DeepPartial<Config> = {}): Config {
  return parseConfig(overrides).config;
}

export function testPaths(root: string): Paths {
  return { home: join(root, 'home'), brainDir: join(root, 'brain') };
}

export const quietLogger = silentLogger;

let counter = 0;

/** A normalised message as an adapter would produce it. */
export function inbound(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  counter += 1;
  const command = /^\/(\w+)\s*(.*)$/s.exec(text);
  return {
    id: `m${counter}`,
    address: { platform: 'fake', chatId: 'chat-1' },
    user: { id: 'owner', name: 'Owner' },
    text,
    ...(command?.[1] ? { command: { name: command[1], args: (command[2] ?? '').trim() } } : {}),
    receivedAt: Date.now(),
    ...overrides,
  };
}

/** Wait until a condition holds (for work that crosses processes or sockets), with a bound. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A user as the privilege checks see them: an admin (every privilege) or an allowed user (read, write notes, plus grants). */
export function testActor(options: { admin?: boolean; grants?: Privilege[]; platform?: string; userId?: string } = {}): Actor {
  const admin = options.admin ?? true;
  return {
    platform: options.platform ?? 'fake',
    userId: options.userId ?? (admin ? 'owner' : 'friend'),
    isAdmin: admin,
    privileges: new Set(admin ? PRIVILEGES : ['read', 'writeNotes', ...(options.grants ?? [])]),
    budgetShare: admin ? null : options.grants?.includes('spend') ? 0.2 : 0,
  };
}
