import { GrammyError, HttpError } from 'grammy';
import { isPieBrainError, PieBrainError } from '../../core/errors.js';

/** Replace the bot token wherever it hides: node-fetch puts the request URL, token included, in its errors. */
export function scrubToken(text: string, token: string): string {
  return token.length >= 4 && text.includes(token) ? text.split(token).join('[TOKEN]') : text;
}

/** A readable one-line description of any error from the Bot API client, without the token. */
export function describeApiError(error: unknown, token: string): string {
  if (error instanceof GrammyError) return scrubToken(`${error.error_code}: ${error.description}`, token);
  if (error instanceof HttpError) {
    const inner = error.error instanceof Error ? error.error.message : String(error.error);
    return scrubToken(`${error.message} ${inner}`, token);
  }
  return scrubToken(error instanceof Error ? error.message : String(error), token);
}

/**
 * The error `send` and friends throw: RATE_LIMITED with Telegram's retry_after, PLATFORM_UNAVAILABLE
 * for 5xx and network failures (worth retrying), PLATFORM_REJECTED for the rest of 4xx. The raw error
 * is not kept as cause: its fields may carry the token.
 */
export function toPlatformError(error: unknown, method: string, token: string): PieBrainError {
  if (isPieBrainError(error)) return error;
  const detail = describeApiError(error, token);
  if (error instanceof GrammyError) {
    if (error.error_code === 429) {
      const seconds = error.parameters.retry_after;
      return new PieBrainError('RATE_LIMITED', `Telegram ${method} was rate limited (${detail})`, {
        ...(typeof seconds === 'number' ? { retryAfterMs: seconds * 1000 } : {}),
      });
    }
    if (error.error_code >= 500) return new PieBrainError('PLATFORM_UNAVAILABLE', `Telegram ${method} failed (${detail})`);
    return new PieBrainError('PLATFORM_REJECTED', `Telegram refused ${method} (${detail})`);
  }
  return new PieBrainError('PLATFORM_UNAVAILABLE', `Telegram ${method} did not get through (${detail})`);
}

function badRequestMatching(error: unknown, pattern: RegExp): boolean {
  return error instanceof GrammyError && error.error_code === 400 && pattern.test(error.description);
}

// Telegram says these only in its description text; the checks stay here, at the edge, in one place.

/** Telegram could not parse the formatting of a text (the plain text will do). */
export function isEntityParseError(error: unknown): boolean {
  return badRequestMatching(error, /can't parse entities|can't find end of the entity/i);
}

/** An edit that would not change anything: nothing to do. */
export function isNotModifiedError(error: unknown): boolean {
  return badRequestMatching(error, /message is not modified/i);
}

/** A token Telegram does not know (revoked or mistyped): nothing will work until the owner fixes it. */
export function isUnauthorizedError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 401;
}
