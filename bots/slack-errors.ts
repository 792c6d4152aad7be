import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import * as webApi from '@slack/web-api';
import { isPieBrainError, PieBrainError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

// Slack's Web API errors as pie-brain error codes, and Bolt's logging through pie-brain's logger.

/** `ok:false` answers that mean "try again later" rather than "this will never work". */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

interface SlackErrorShape {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
  original?: unknown;
}

/** The error string Slack answered with (`channel_not_found`), if the error is an `ok:false` answer. */
export function slackErrorName(error: unknown): string | undefined {
  const shape = error as SlackErrorShape | undefined;
  if (shape?.code !== webApi.ErrorCode.PlatformError) return undefined;
  return typeof shape.data?.error === 'string' ? shape.data.error : 'unknown_error';
}

/**
 * 429 -> RATE_LIMITED (with Retry-After), 5xx and network failures -> PLATFORM_UNAVAILABLE, any other
 * refusal (`ok:false` such as channel_not_found, other HTTP statuses) -> PLATFORM_REJECTED.
 */
export function toPieBrainError(error: unknown, what: string): PieBrainError {
  if (isPieBrainError(error)) return error;
  const shape = (error ?? {}) as SlackErrorShape;
  switch (shape.code) {
    case webApi.ErrorCode.RateLimitedError: {
      const seconds = typeof shape.retryAfter === 'number' ? shape.retryAfter : 1;
      return new PieBrainError('RATE_LIMITED', `Slack rate-limited ${what}; retry after ${seconds} s`, {
        cause: error,
        retryAfterMs: seconds * 1000,
      });
    }
    case webApi.ErrorCode.HTTPError: {
      const status = typeof shape.statusCode === 'number' ? shape.statusCode : 0;
      const code = status >= 500 || status === 408 ? 'PLATFORM_UNAVAILABLE' : 'PLATFORM_REJECTED';
      return new PieBrainError(code, `Slack answered HTTP ${status} to ${what}`, { cause: error });
    }
    case webApi.ErrorCode.RequestError: {
      const reason = shape.original instanceof Error ? shape.original.message : 'network error';
      return new PieBrainError('PLATFORM_UNAVAILABLE', `Slack could not be reached for ${what}: ${reason}`, { cause: error });
    }
    case webApi.ErrorCode.PlatformError: {
      const name = slackErrorName(error) ?? 'unknown_error';
      const code = TRANSIENT_PLATFORM_ERRORS.has(name) ? 'PLATFORM_UNAVAILABLE' : 'PLATFORM_REJECTED';
      return new PieBrainError(code, `Slack refused ${what}: ${name}`, { cause: error });
    }
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new PieBrainError('PLATFORM_UNAVAILABLE', `${what} failed: ${message}`, { cause: error });
    }
  }
}

const LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

/** Bolt, the Web API client and Socket Mode log through pie-brain's (redacting) logger at its level. */
export function createSlackLogger(logger: Logger): SlackLogger {
  const line = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => logger.debug({ sdk: 'slack' }, line(parts)),
    info: (...parts: unknown[]) => logger.info({ sdk: 'slack' }, line(parts)),
    warn: (...parts: unknown[]) => logger.warn({ sdk: 'slack' }, line(parts)),
    error: (...parts: unknown[]) => logger.error({ sdk: 'slack' }, line(parts)),
    // pie-brain's log level wins over the SDK's own defaults.
    setLevel: () => {},
    getLevel: () => LEVELS[logger.level] ?? LogLevel.ERROR,
    setName: () => {},
  };
}
