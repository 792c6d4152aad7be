import type { IncomingMessage } from 'node:http';
import { snowflake } from './discord-payloads.js';

// The HTTP side of the Discord fake: what it records, how it is scripted, and Discord's error shapes.

/** One HTTP request the fake received, with the answer it gave. */
export interface RecordedRequest {
  method: string;
  /** Decoded path below /api/v10, e.g. `/webhooks/1/abc/messages/@original`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** JSON body, or `payload_json` of a multipart body. */
  body: unknown;
  files: Array<{ field: string; filename: string; size: number }>;
  status: number;
}

/** A scripted answer for the next matching requests: fail, rate-limit, or answer slowly. */
export interface ScriptedAnswer {
  method?: string;
  /** Matched against the decoded path below /api/v10. */
  path?: RegExp;
  /** How many requests it applies to (default 1). */
  times?: number;
  /** Let this many matching requests through first. */
  skip?: number;
  status?: number;
  /** For 429: seconds to wait, sent as `retry_after` in the body and (unless `header` is false) `Retry-After`. */
  retryAfter?: number;
  header?: boolean;
  global?: boolean;
  /** Wait this long before answering (or before failing). */
  delayMs?: number;
}

/** A message pie-brain created on the fake, wherever it went. */
export interface PostedMessage {
  id: string;
  via: 'channel' | 'original' | 'followup';
  channelId: string;
  content: string;
  files: string[];
  /** The message it replies to (channel messages). */
  reference?: string;
  /** The interaction it answers (original and follow-ups). */
  interactionToken?: string;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function ok(body: unknown): Answer {
  return { status: 200, body };
}

export function error(status: number, code: number, message: string): Answer {
  return { status, body: { message, code } };
}

export function failure(script: ScriptedAnswer): Answer {
  const status = script.status as number;
  if (status !== 429)
    return status >= 500 ? { status, body: { message: '500: Internal Server Error', code: 0 } } : error(status, 0, 'Scripted failure');
  const retryAfter = script.retryAfter ?? 1;
  return {
    status,
    body: { message: 'You are being rate limited.', retry_after: retryAfter, global: script.global ?? false },
    headers: {
      ...(script.header === false ? {} : { 'retry-after': String(retryAfter) }),
      ...(script.global ? { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } : { 'x-ratelimit-scope': 'user' }),
    },
  };
}

/** Discord's own checks on a message body: not empty, at most 2,000 characters. */
export function checkContent(r: RecordedRequest): Answer | undefined {
  const content = (r.body as { content?: string } | undefined)?.content ?? '';
  if (content.length > 2000) return error(400, 50035, 'Invalid Form Body: content: Must be 2000 or fewer in length.');
  if (!content && r.files.length === 0) return error(400, 50006, 'Cannot send an empty message');
  return undefined;
}

export function attachmentsOf(r: RecordedRequest): Array<Record<string, unknown>> {
  return r.files.map((file) => ({
    id: snowflake(),
    filename: file.filename,
    size: file.size,
    url: `http://127.0.0.1/attachments/${file.filename}`,
    proxy_url: '',
  }));
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: RecordedRequest['files'] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const files: RecordedRequest['files'] = [];
    let body: unknown;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else files.push({ field, filename: value.name, size: value.size });
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [] };
  } catch {
    return { body: text, files: [] };
  }
}
