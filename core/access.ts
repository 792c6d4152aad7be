import type { Config } from './config.js';

/** The console's local user: whoever has a shell on the Pi already owns it. */
export const CONSOLE_PLATFORM = 'console';

/**
 * Who may talk to pie-brain. Per-platform allowlists of user ids plus admins (`platform:userId`).
 * With no allowlist for a platform, only admins are allowed there: never "everyone" by default.
 */
export class AccessPolicy {
  private readonly admins: Set<string>;
  private readonly allowed: Map<string, Set<string>>;

  constructor(config: Pick<Config, 'access'>) {
    this.admins = new Set(config.access.admins.map((entry) => entry.trim()));
    this.allowed = new Map(Object.entries(config.access.allowedUsers).map(([platform, users]) => [platform, new Set(users)] as const));
  }

  isAdmin(platform: string, userId: string): boolean {
    return platform === CONSOLE_PLATFORM || this.admins.has(`${platform}:${userId}`);
  }

  isAllowed(platform: string, userId: string): boolean {
    return this.isAdmin(platform, userId) || (this.allowed.get(platform)?.has(userId) ?? false);
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
