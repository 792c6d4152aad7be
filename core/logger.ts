import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Directory for rotating JSON files; omitted: no files (tests, one-shot commands). */
  dir?: string;
  fileSizeMb?: number;
  files?: number;
  /** Readable lines on this stream (a TTY), else nothing on the console. */
  pretty?: NodeJS.WritableStream;
  /** Level of the readable lines (defaults to `level`). */
  prettyLevel?: string;
  /** Values that must never appear in a log line. */
  secrets?: readonly string[];
  /** Extra JSON destination (tests capture the log here). */
  stream?: NodeJS.WritableStream;
}

const fileStreams = new WeakMap<Logger, FileStream>();

interface FileStream {
  flushSync(): void;
  once(event: 'ready', listener: () => void): unknown;
  fd?: number;
}

const REDACT_PATHS = [
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

/** Replace every occurrence of a secret in a serialised line, whatever field or message it hides in. */
export function redactSecrets(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out;
}

/**
 * pino writing JSON to rotating files (pino-roll, in process: no worker thread on a Pi) and readable
 * lines on a TTY, with secrets scrubbed from every line before it is written anywhere.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const streams: pino.StreamEntry[] = [];
  let fileStream: FileStream | undefined;
  if (options.dir) {
    mkdirSync(options.dir, { recursive: true });
    const { default: roll } = await import('pino-roll');
    const file = await roll({
      file: join(options.dir, 'pie-brain'),
      extension: '.log',
      size: `${options.fileSizeMb ?? 5}m`,
      limit: { count: Math.max(0, (options.files ?? 5) - 1) },
      mkdir: true,
    });
    fileStream = file as unknown as FileStream;
    streams.push({ stream: file, level: options.level as pino.Level });
  }
  if (options.pretty) {
    const { default: pretty } = await import('pino-pretty');
    streams.push({
      stream: pretty({ destination: options.pretty, colorize: false, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
      level: (options.prettyLevel ?? options.level) as pino.Level,
    });
  }
  if (options.stream) streams.push({ stream: options.stream, level: options.level as pino.Level });
  const secrets = options.secrets ?? [];
  const logger = pino(
    {
      level: streams.length ? options.level : 'silent',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: (line) => redactSecrets(line, secrets) },
    },
    pino.multistream(streams),
  );
  if (fileStream) fileStreams.set(logger, fileStream);
  return logger;
}

/** Write out what is buffered before the process exits (the file may still be opening). */
export async function flushLogger(logger: Logger): Promise<void> {
  const file = fileStreams.get(logger);
  if (!file) return;
  if (file.fd === undefined || file.fd < 0) {
    await new Promise<void>((resolve) => {
      file.once('ready', resolve);
      setTimeout(resolve, 1000).unref();
    });
  }
  try {
    file.flushSync();
  } catch {
    // Nothing more can be done about a log that cannot be written while exiting.
  }
}

/** A logger that drops everything (library defaults, tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
