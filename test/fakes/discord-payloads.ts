// Gateway and REST payloads shaped like Discord's (API v10), for the loopback fake in discord.ts.

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A snowflake carrying `at` as its timestamp, as Discord's are. */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) % 4096n;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  bot?: boolean;
}

export function user(id: string, username: string, bot = false): FakeUser {
  return { id, username, global_name: bot ? null : `${username[0]?.toUpperCase()}${username.slice(1)}`, ...(bot ? { bot: true } : {}) };
}

export interface FakeChannel {
  id: string;
  type: number;
  name?: string;
  parent_id?: string;
  guild_id?: string;
  recipients?: FakeUser[];
}

export const ChannelType = { GuildText: 0, DM: 1, PublicThread: 11 } as const;

function fullUser(u: FakeUser): Record<string, unknown> {
  return { discriminator: '0', avatar: null, public_flags: 0, flags: 0, ...u };
}

function member(u: FakeUser, roles: string[] = []): Record<string, unknown> {
  return { user: fullUser(u), roles, joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, nick: null };
}

function guildChannel(channel: FakeChannel, ownerId: string): Record<string, unknown> {
  const base = { ...channel, position: 0, permission_overwrites: [], nsfw: false, rate_limit_per_user: 0, last_message_id: null };
  if (channel.type !== ChannelType.PublicThread) return { ...base, topic: null };
  return {
    ...base,
    owner_id: ownerId,
    member_count: 2,
    message_count: 0,
    total_message_sent: 0,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
  };
}

export function readyPayload(bot: FakeUser, applicationId: string, guildId: string, gatewayUrl: string): Record<string, unknown> {
  return {
    v: 10,
    user: { ...fullUser(bot), verified: true, mfa_enabled: false },
    guilds: [{ id: guildId, unavailable: true }],
    session_id: 'fake-session',
    resume_gateway_url: gatewayUrl,
    shard: [0, 1],
    application: { id: applicationId, flags: 0 },
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
    _trace: ['fake-discord'],
  };
}

/** The guild, with the bot's managed role (what a mention typed as @pie-brain often resolves to). */
export function guildCreatePayload(
  guild: { id: string; ownerId: string; bot: FakeUser; botRoleId: string },
  channels: FakeChannel[],
  members: FakeUser[],
): Record<string, unknown> {
  const { id: guildId, ownerId } = guild;
  const inGuild = channels.filter((channel) => channel.guild_id === guildId);
  return {
    id: guildId,
    name: 'pie-brain test guild',
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: guildId,
        name: '@everyone',
        permissions: '1071698660928',
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
      {
        id: guild.botRoleId,
        name: guild.bot.username,
        permissions: '1071698660928',
        position: 1,
        color: 0,
        hoist: false,
        managed: true,
        mentionable: true,
        flags: 0,
        tags: { bot_id: guild.bot.id },
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: members.length,
    voice_states: [],
    members: members.map((u) => member(u, u.id === guild.bot.id ? [guild.botRoleId] : [])),
    channels: inGuild.filter((c) => c.type !== ChannelType.PublicThread).map((c) => guildChannel(c, ownerId)),
    threads: inGuild.filter((c) => c.type === ChannelType.PublicThread).map((c) => guildChannel(c, ownerId)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** A MESSAGE_CREATE dispatch (or the body of a message REST answer). */
export function messagePayload(fields: {
  id: string;
  channel: FakeChannel;
  author: FakeUser;
  content: string;
  mentions?: FakeUser[];
  mentionRoles?: string[];
  webhookId?: string;
  flags?: number;
  attachments?: Array<Record<string, unknown>>;
  reference?: string;
  interactionMessage?: boolean;
}): Record<string, unknown> {
  const { channel } = fields;
  return {
    id: fields.id,
    type: fields.reference ? 19 : fields.interactionMessage ? 20 : 0,
    channel_id: channel.id,
    ...(channel.guild_id
      ? { guild_id: channel.guild_id, member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 } }
      : {}),
    ...(channel.type === ChannelType.DM ? { channel_type: ChannelType.DM } : {}),
    author: fullUser(fields.author),
    content: fields.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: (fields.mentions ?? []).map(fullUser),
    mention_roles: fields.mentionRoles ?? [],
    attachments: fields.attachments ?? [],
    embeds: [],
    pinned: false,
    flags: fields.flags ?? 0,
    components: [],
    ...(fields.webhookId ? { webhook_id: fields.webhookId } : {}),
    ...(fields.reference ? { message_reference: { message_id: fields.reference, channel_id: channel.id } } : {}),
  };
}

/** An INTERACTION_CREATE dispatch for a chat-input (slash) command. */
export function commandInteractionPayload(fields: {
  id: string;
  token: string;
  applicationId: string;
  name: string;
  options: Array<{ name: string; value: string }>;
  channel: FakeChannel;
  user: FakeUser;
}): Record<string, unknown> {
  const { channel } = fields;
  const inGuild = Boolean(channel.guild_id);
  return {
    id: fields.id,
    application_id: fields.applicationId,
    type: 2,
    data: {
      id: snowflake(),
      name: fields.name,
      type: 1,
      ...(fields.options.length ? { options: fields.options.map((o) => ({ name: o.name, type: 3, value: o.value })) } : {}),
    },
    channel_id: channel.id,
    channel: { ...channel, ...(channel.type === ChannelType.DM ? { recipients: [fullUser(fields.user)] } : {}) },
    ...(inGuild
      ? { guild_id: channel.guild_id, member: { ...member(fields.user), permissions: '1071698660928' } }
      : { user: fullUser(fields.user) }),
    token: fields.token,
    version: 1,
    app_permissions: '1071698660928',
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': fields.applicationId },
    context: inGuild ? 0 : 1,
  };
}
