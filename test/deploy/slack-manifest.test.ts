import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

const committed = readFileSync(new URL('../../deploy/slack-manifest.yaml', import.meta.url), 'utf8');
const manifest = parse(committed) as Manifest;
const adapterSource = readFileSync(new URL('../../bots/slack.ts', import.meta.url), 'utf8');

/** The bot scope each Web API call of the adapter needs (Slack's method reference). */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'conversations.open': 'im:write',
  filesUploadV2: 'files:write',
};

describe('deploy/slack-manifest.yaml', () => {
  it('is what `npm run manifest` generates from the command table of the built program: every command, no drift', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const generated = execFileSync(process.execPath, ['dist/main.js', 'commands', '--format', 'slack-manifest'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        PIE_BRAIN_CONFIG: '',
        PIE_BRAIN_HOME: fileURLToPath(new URL('../../node_modules/.cache/no-home', import.meta.url)),
      },
    });
    expect(committed).toBe(generated);
    const listed = JSON.parse(
      execFileSync(process.execPath, ['dist/main.js', 'commands', '--format', 'json'], { cwd: root, encoding: 'utf8' }),
    ) as Array<{ name: string }>;
    const commands = manifest.features.slash_commands.map((c) => c.command);
    expect(commands).toEqual(listed.map((entry) => `/${entry.name}`));
    expect(commands).toEqual(expect.arrayContaining(['/handoff', '/git', '/runs', '/memory', '/run', '/digest', '/ask', '/brain']));
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
