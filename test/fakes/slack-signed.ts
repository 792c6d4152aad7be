import { createHmac } from 'node:crypto';

/** Slack's v0 request signature: v0= + hex HMAC-SHA256(secret, "v0:<timestamp>:<raw body>"). */
export function signSlackRequest(secret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}

export interface SignedRequestOptions {
  secret: string;
  /** Seconds since the epoch; now by default (older than 5 minutes is rejected by the receiver). */
  timestampSeconds?: number;
  /** Send this signature instead of the right one (a forgery). */
  signature?: string;
}

export interface SignedResponse {
  status: number;
  body: string;
}

async function postSigned(url: string, rawBody: string, contentType: string, options: SignedRequestOptions): Promise<SignedResponse> {
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? signSlackRequest(options.secret, timestamp, rawBody),
    },
    body: rawBody,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** POST a slash command the way Slack does in HTTP mode: form-urlencoded fields, signed. */
export function postSignedCommand(url: string, payload: Record<string, string>, options: SignedRequestOptions): Promise<SignedResponse> {
  return postSigned(url, new URLSearchParams(payload).toString(), 'application/x-www-form-urlencoded', options);
}

/** POST an Events API callback (or url_verification) the way Slack does in HTTP mode: JSON, signed. */
export function postSignedEvent(url: string, payload: unknown, options: SignedRequestOptions): Promise<SignedResponse> {
  return postSigned(url, JSON.stringify(payload), 'application/json', options);
}
