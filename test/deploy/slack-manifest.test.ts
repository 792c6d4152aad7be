import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Manifest {
  features: {
    slash_commands: Array<{ command: string; description: string; should_escape: boolean }>;
    app_home: { messages_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { socket_mode_enabled: boolean; event_subscriptions: { bot_events: string[] } };
}

const manifest = parse(readFileSync(new URL('../../deploy/slack-manifest.yaml', import.meta.url), 'utf8')) as Manifest;
const adapterSource = readFileSync(new URL('../../bots/slack.ts', import.meta.url), 'utf8');

/** The bot scope each Web API call of the adapter needs (Slack's method reference). */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'conversations.open': 'im:write',
  filesUploadV2: 'files:write',
};

describe('deploy/slack-manifest.yaml', () => {
  it('declares the slash commands pie-brain answers', () => {
    const commands = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(commands).toEqual(['/arxiv', '/ask', '/brain', '/cancel', '/cost', '/digest', '/health', '/help', '/memory', '/run', '/task']);
    for (const command of manifest.features.slash_commands) expect(command.description.length).toBeGreaterThan(0);
  });

  it('enables Socket Mode with the events the adapter listens to, and DMs', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_mention', 'message.im']);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['app_mentions:read', 'im:history', 'commands']));
  });

  it('grants a scope for every Web API method the adapter calls', () => {
    const methods = new Set([...adapterSource.matchAll(/app\.client\.([\w.]+)\(/g)].map((m) => m[1] ?? ''));
    expect(methods.size).toBeGreaterThan(0);
    for (const method of methods) {
      const scope = SCOPE_OF[method];
      if (!scope) throw new Error(`bots/slack.ts calls ${method}: add its scope to the manifest and to this table`);
      expect(manifest.oauth_config.scopes.bot).toContain(scope);
    }
  });
});
