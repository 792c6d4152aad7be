import { stringify } from 'yaml';
import type { MenuEntry } from '../core/contracts/command.js';

/** How to use the manifest: kept at the top of the generated file. */
const HEADER = `# Slack app manifest for pie-brain: create the app in one step. Generated from pie-brain's command table by
# \`npm run manifest\` (a test checks that this file matches): do not edit the slash commands by hand.
#   1. https://api.slack.com/apps -> Create New App -> From a manifest -> pick the workspace -> paste this file.
#   2. Install to Workspace, then copy the Bot User OAuth Token (xoxb-...) into SLACK_BOT_TOKEN.
#   3. Basic Information -> App-Level Tokens -> Generate, with the scope connections:write; copy the
#      token (xapp-...) into SLACK_APP_TOKEN. Socket Mode needs no public URL, so it works behind NAT.
#   4. Start pie-brain, send it a DM: it answers with your user id; put it in PIE_BRAIN_ADMINS=slack:<id>.
# HTTP mode instead (slack.mode: http): set socket_mode_enabled to false, add
#   request_url: https://<your host>/slack/events under event_subscriptions and url: (the same) under each
#   slash command, and put the Signing Secret (Basic Information) into SLACK_SIGNING_SECRET.
`;

/** The bot scopes, each for what the adapter does with it. */
const SCOPES: ReadonlyArray<[string, string]> = [
  ['app_mentions:read', 'app_mention events: "@pie-brain ..." in channels'],
  ['chat:write', 'post answers and edit progress messages'],
  ['chat:write.public', 'answer slash commands in public channels it has not joined'],
  ['commands', 'the slash commands above'],
  ['files:write', 'images as file uploads'],
  ['im:history', 'message.im events: direct messages'],
  ['im:write', 'conversations.open: admin alerts by direct message'],
];

/** Slack's usage hint: the usage line without the command itself (`/task <id>` -> `<id>`), at most 100 characters. */
function usageHint(entry: MenuEntry): string | undefined {
  const hint = entry.usage.replace(new RegExp(`^/${entry.name}\\s*`), '').trim();
  if (!hint) return undefined;
  return hint.length > 100 ? `${hint.slice(0, 99)}…` : hint;
}

function description(entry: MenuEntry): string {
  const text = `${entry.description}${entry.adminOnly ? ' (admins)' : ''}`;
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

/** deploy/slack-manifest.yaml from the command table: every command pie-brain answers is a slash command. */
export function slackManifest(menu: readonly MenuEntry[]): string {
  const manifest = {
    display_information: {
      name: 'pie-brain',
      description: 'A personal assistant that lives on a Raspberry Pi.',
      background_color: '#3b2f4a',
    },
    features: {
      app_home: { home_tab_enabled: false, messages_tab_enabled: true, messages_tab_read_only_enabled: false },
      bot_user: { display_name: 'pie-brain', always_online: true },
      slash_commands: menu.map((entry) => {
        const hint = usageHint(entry);
        return { command: `/${entry.name}`, description: description(entry), ...(hint ? { usage_hint: hint } : {}), should_escape: false };
      }),
    },
    oauth_config: { scopes: { bot: SCOPES.map(([scope]) => scope) } },
    settings: {
      event_subscriptions: { bot_events: ['app_mention', 'message.im'] },
      interactivity: { is_enabled: false },
      org_deploy_enabled: false,
      socket_mode_enabled: true,
      token_rotation_enabled: false,
    },
  };
  const body = stringify(manifest, { lineWidth: 0 }).replace(
    /^(\s+- )(app_mentions:read|chat:write|chat:write\.public|commands|files:write|im:history|im:write)$/gm,
    (line, _indent: string, scope: string) => `${line} # ${SCOPES.find(([name]) => name === scope)?.[1] ?? ''}`,
  );
  return `${HEADER}${body}`;
}
