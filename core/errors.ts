/**
 * Every error pie-brain raises on purpose carries a stable `code`. Retry decisions and user-facing
 * messages branch on the code, never on message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'VALIDATION'
  | 'FORBIDDEN'
  | 'RULE_BLOCKED'
  | 'TASK_CANCELLED'
  | 'TIMEOUT'
  | 'RATE_LIMITED'
  | 'PLATFORM_UNAVAILABLE'
  | 'PLATFORM_REJECTED'
  | 'LLM_UNAVAILABLE'
  | 'LLM_BAD_OUTPUT'
  | 'LLM_REJECTED'
  | 'TOOL_FAILED'
  | 'MODEL_MISSING'
  | 'BRAIN_UNAVAILABLE'
  | 'BRAIN_FAILED'
  | 'BUDGET_EXCEEDED'
  | 'PRICE_UNKNOWN'
  | 'UPSTREAM_FAILED'
  | 'NETWORK'
  | 'STORAGE_FAILED'
  | 'REPLAY_MISS'
  | 'RECORDING_INVALID'
  | 'INTERNAL';

const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'TIMEOUT',
  'RATE_LIMITED',
  'PLATFORM_UNAVAILABLE',
  'LLM_UNAVAILABLE',
  'UPSTREAM_FAILED',
  'NETWORK',
  'STORAGE_FAILED',
]);

export interface PieBrainErrorOptions {
  cause?: unknown;
  /** How long the other side asked us to wait before trying again. */
  retryAfterMs?: number;
  /** Shown to the user instead of the message when set (the message may hold internals). */
  userMessage?: string;
}

export class PieBrainError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly userMessage: string | undefined;

  constructor(code: ErrorCode, message: string, options: PieBrainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PieBrainError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.userMessage = options.userMessage;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** Works across copies of the module (a symbol-free duck check on the code field). */
export function isPieBrainError(value: unknown): value is PieBrainError {
  return (
    value instanceof PieBrainError ||
    (value instanceof Error && typeof (value as { code?: unknown }).code === 'string' && 'retryable' in value)
  );
}

export function isRetryable(error: unknown): boolean {
  return isPieBrainError(error) && error.retryable;
}

/** The text a user may see for an error: never a stack, never internals of unknown errors. */
export function describeForUser(error: unknown): string {
  if (isPieBrainError(error)) return error.userMessage ?? error.message;
  return 'Something went wrong inside pie-brain; the admins can find the details in the log.';
}
