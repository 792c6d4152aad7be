import type { Config } from './config.js';
import { PieBrainError } from './errors.js';

/** The console's local user: whoever has a shell on the Pi already owns it. */
export const CONSOLE_PLATFORM = 'console';

/**
 * What a command, tool or route does, declared by the capability itself. Reading and writing notes is what
 * every allowed user may do; spending money, running code, changing repositories and operating pie-brain
 * (its costs, health and cloud brains) are for admins unless the config grants them to a named user.
 */
export const PRIVILEGES = ['read', 'writeNotes', 'spend', 'runCode', 'changeRepo', 'operate'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/** Every allowed user holds these. */
const EVERYONE: readonly Privilege[] = ['read', 'writeNotes'];

const WHAT: Record<Privilege, string> = {
  read: 'read',
  writeNotes: 'write notes',
  spend: 'spend money (paid models and cloud brains)',
  runCode: 'run code (on the Pi, or through a cloud brain that can execute)',
  changeRepo: 'change a repository (commit, push, open pull requests)',
  operate: 'operate pie-brain (costs, health, cloud brains)',
};

/** Who is asking, with what they may do: carried by every task, command, tool call and handoff. */
export interface Actor {
  platform: string;
  userId: string;
  isAdmin: boolean;
  privileges: ReadonlySet<Privilege>;
  /** The share of budget.monthlyUsd this user may spend; null: the whole budget (admins). */
  budgetShare: number | null;
}

/** Whose records (events, plans) a reader sees: their own, and with `chatId` everything of that chat too. */
export interface ReaderScope {
  platform: string;
  userId: string;
  chatId?: string;
}

/**
 * Everyone reads their own records; those who operate pie-brain also what happened in the chat they ask in.
 * Never another chat's: everyone in this chat reads the answer, and a channel must not read a private chat.
 */
export function readerScope(actor: Pick<Actor, 'platform' | 'userId' | 'privileges'>, chatId: string): ReaderScope {
  const own = { platform: actor.platform, userId: actor.userId };
  return actor.privileges.has('operate') ? { ...own, chatId } : own;
}

/** `platform:userId`: how config names a user. */
export function userKey(actor: Pick<Actor, 'platform' | 'userId'>): string {
  return `${actor.platform}:${actor.userId}`;
}

/**
 * Who may talk to pie-brain and what each may do. Per-platform allowlists of user ids plus admins
 * (`platform:userId`); with no allowlist for a platform, only admins are allowed there: never "everyone" by
 * default. Privileges beyond reading and writing notes are the admins', or granted to named users in config.
 */
export class AccessPolicy {
  private readonly admins: Set<string>;
  private readonly allowed: Map<string, Set<string>>;
  private readonly grants: Map<string, { privileges: Set<Privilege>; budgetShare: number }>;

  constructor(config: Pick<Config, 'access'>) {
    this.admins = new Set(config.access.admins.map((entry) => entry.trim()));
    this.allowed = new Map(Object.entries(config.access.allowedUsers).map(([platform, users]) => [platform, new Set(users)] as const));
    this.grants = new Map(
      config.access.grants.map(
        (grant) => [grant.user.trim(), { privileges: new Set(grant.privileges), budgetShare: grant.budgetShare }] as const,
      ),
    );
  }

  isAdmin(platform: string, userId: string): boolean {
    return platform === CONSOLE_PLATFORM || this.admins.has(`${platform}:${userId}`);
  }

  isAllowed(platform: string, userId: string): boolean {
    return this.isAdmin(platform, userId) || (this.allowed.get(platform)?.has(userId) ?? false) || this.grants.has(`${platform}:${userId}`);
  }

  /** The user as the privilege checks see them. A user who may not talk at all holds nothing. */
  actor(platform: string, userId: string): Actor {
    const isAdmin = this.isAdmin(platform, userId);
    if (isAdmin) return { platform, userId, isAdmin, privileges: new Set(PRIVILEGES), budgetShare: null };
    if (!this.isAllowed(platform, userId)) return { platform, userId, isAdmin, privileges: new Set(), budgetShare: 0 };
    const grant = this.grants.get(`${platform}:${userId}`);
    return {
      platform,
      userId,
      isAdmin,
      privileges: new Set([...EVERYONE, ...(grant?.privileges ?? [])]),
      budgetShare: grant?.privileges.has('spend') ? grant.budgetShare : 0,
    };
  }

  /** Whether anyone besides admins may talk on this platform. */
  hasAllowlist(platform: string): boolean {
    return (this.allowed.get(platform)?.size ?? 0) > 0;
  }

  /** Start-up advice for a platform where only admins could get in. */
  setupHint(platform: string): string | undefined {
    if (this.hasAllowlist(platform) || [...this.admins].some((entry) => entry.startsWith(`${platform}:`))) return undefined;
    const envName = `${platform.toUpperCase()}_ALLOWED_USERS`;
    return `Nobody may use pie-brain on ${platform} yet. Send it a message to learn your user id, then set PIE_BRAIN_ADMINS=${platform}:<your id> (or ${envName}=<id>) and restart.`;
  }
}

/** Whether a capability needs more than every allowed user holds (menus show it to admins only). */
export function isRestricted(privileges: readonly Privilege[]): boolean {
  return privileges.some((privilege) => !EVERYONE.includes(privilege));
}

/** The privileges in `required` that the actor lacks. */
export function missingPrivileges(actor: Actor, required: Iterable<Privilege>): Privilege[] {
  return [...new Set(required)].filter((privilege) => !actor.privileges.has(privilege));
}

/**
 * The one privilege check, used on every path (slash command, router decision, rules fallback, handoff, each
 * step of a plan): throws FORBIDDEN with a message that says what would be needed.
 */
export function requirePrivileges(actor: Actor, required: Iterable<Privilege>, what: string): void {
  const missing = missingPrivileges(actor, required);
  if (missing.length === 0) return;
  const needs = missing.map((privilege) => WHAT[privilege]).join(', and to ');
  throw new PieBrainError('FORBIDDEN', `${userKey(actor)} lacks ${missing.join(', ')} for ${what}`, {
    userMessage: `Sorry, ${what} needs the right to ${needs}, and you do not have it. Admins have every right; the owner can grant it to you in config \`access.grants\` (user \`${userKey(actor)}\`).`,
  });
}
