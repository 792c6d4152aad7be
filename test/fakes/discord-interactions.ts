import { type Answer, checkContent, error, ok, type PostedMessage, type RecordedRequest } from './discord-http.js';
import { type FakeChannel, type FakeUser, messagePayload, snowflake } from './discord-payloads.js';

const LOADING = 1 << 7;

export interface InteractionRecord {
  id: string;
  token: string;
  channel: FakeChannel;
  acknowledged: boolean;
  original?: { id: string; content: string; flags: number };
}

export interface FakeInteractionsOptions {
  bot: FakeUser;
  applicationId: string;
  posted: readonly PostedMessage[];
  post(message: PostedMessage): void;
}

/**
 * Slash-command interactions on the Discord fake: the callback that defers or answers them, `@original`
 * (with its loading flag until edited), follow-ups, and Discord's errors for unknown or unacknowledged ones.
 */
export class FakeInteractions {
  private readonly records = new Map<string, InteractionRecord>();

  constructor(private readonly options: FakeInteractionsOptions) {}

  add(record: Omit<InteractionRecord, 'acknowledged'>): void {
    this.records.set(record.token, { ...record, acknowledged: false });
  }

  original(token: string): InteractionRecord['original'] {
    return this.records.get(token)?.original;
  }

  callback(token: string, r: RecordedRequest): Answer {
    const interaction = this.records.get(token);
    if (!interaction) return error(404, 10062, 'Unknown interaction');
    if (interaction.acknowledged) return error(400, 40060, 'Interaction has already been acknowledged.');
    const { type, data } = r.body as { type: number; data?: { content?: string } };
    interaction.acknowledged = true;
    interaction.original = { id: snowflake(), content: type === 4 ? (data?.content ?? '') : '', flags: type === 5 ? LOADING : 0 };
    if (r.query.with_response === 'true') {
      return ok({
        interaction: { id: interaction.id, type: 2 },
        resource: { type, message: this.interactionMessage(interaction, interaction.original) },
      });
    }
    return { status: 204 };
  }

  webhookMessage(token: string, messageId: string, r: RecordedRequest): Answer {
    const interaction = this.records.get(token);
    if (!interaction?.acknowledged) return error(404, 10015, 'Unknown Webhook');
    if (messageId !== '@original') {
      const target = this.options.posted.find((p) => p.id === messageId && p.interactionToken === token);
      if (!target) return error(404, 10008, 'Unknown Message');
      if (r.method !== 'PATCH') return ok(this.interactionMessage(interaction, { id: target.id, content: target.content, flags: 0 }));
      target.content = (r.body as { content?: string }).content ?? target.content;
      return ok(this.interactionMessage(interaction, { id: target.id, content: target.content, flags: 0 }));
    }
    const original = interaction.original as { id: string; content: string; flags: number };
    if (r.method === 'GET') return ok(this.interactionMessage(interaction, original));
    if (r.method !== 'PATCH') return error(405, 0, '405: Method Not Allowed');
    const problem = checkContent(r);
    if (problem) return problem;
    original.content = (r.body as { content?: string }).content ?? original.content;
    original.flags &= ~LOADING;
    const existing = this.options.posted.find((p) => p.id === original.id);
    if (existing) existing.content = original.content;
    else
      this.options.post({
        id: original.id,
        via: 'original',
        channelId: interaction.channel.id,
        content: original.content,
        files: r.files.map((f) => f.filename),
        interactionToken: token,
      });
    return ok(this.interactionMessage(interaction, original));
  }

  followUp(token: string, r: RecordedRequest): Answer {
    const interaction = this.records.get(token);
    if (!interaction?.acknowledged) return error(404, 10015, 'Unknown Webhook');
    const problem = checkContent(r);
    if (problem) return problem;
    const content = (r.body as { content?: string }).content ?? '';
    const id = snowflake();
    this.options.post({
      id,
      via: 'followup',
      channelId: interaction.channel.id,
      content,
      files: r.files.map((f) => f.filename),
      interactionToken: token,
    });
    return ok(this.interactionMessage(interaction, { id, content, flags: 0 }));
  }

  private interactionMessage(
    interaction: InteractionRecord,
    message: { id: string; content: string; flags: number },
  ): Record<string, unknown> {
    return messagePayload({
      ...message,
      channel: interaction.channel,
      author: this.options.bot,
      webhookId: this.options.applicationId,
      interactionMessage: true,
    });
  }
}
