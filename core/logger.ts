import { mkdirSync } from 'node:fs';
import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { JournalStream } from './lib/journal-stream.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Directory for rotating JSON files; omitted: no files (tests, one-shot commands, the journal). */
  dir?: string;
  fileSizeMb?: number;
  files?: number;
  /** Readable lines on this stream (a TTY), else nothing on the console. */
  pretty?: NodeJS.WritableStream;
  /** Level of the readable lines (defaults to `level`). */
  prettyLevel?: string;
  /** systemd's journal: one line per entry on this stream (stderr), its level as a `<N>` priority prefix. */
  journal?: NodeJS.WritableStream;
  /** Values that must never appear in a log line. */
  secrets?: readonly string[];
  /** Extra JSON destination (tests capture the log here). */
  stream?: NodeJS.WritableStream;
}

const fileStreams = new WeakMap<Logger, Writable>();

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
 * Whether stderr is the stream systemd connected to the journal: JOURNAL_STREAM names its device and inode,
 * and a child that inherited the variable but writes elsewhere must not take its stderr for the journal.
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv, stderrStat: { dev: number; ino: number } | undefined): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!match || !stderrStat) return false;
  return Number(match[1]) === stderrStat.dev && Number(match[2]) === stderrStat.ino;
}

/**
 * pino writing JSON to size-rotated files (rotating-file-stream, in process: no worker thread on a Pi), to
 * the journal under systemd, and readable lines on a TTY, with secrets scrubbed from every line first.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const streams: pino.StreamEntry[] = [];
  let fileStream: Writable | undefined;
  if (options.dir) {
    mkdirSync(options.dir, { recursive: true });
    const { createStream } = await import('rotating-file-stream');
    // logrotate's scheme: pie-brain.log is written, pie-brain.1.log is the newest full one.
    fileStream = createStream((index: number | Date | null) => (index ? `pie-brain.${String(index)}.log` : 'pie-brain.log'), {
      path: options.dir,
      size: `${options.fileSizeMb ?? 5}M`,
      rotate: Math.max(1, (options.files ?? 5) - 1),
    });
    streams.push({ stream: fileStream, level: options.level as pino.Level });
  }
  if (options.journal) streams.push({ stream: new JournalStream(options.journal), level: options.level as pino.Level });
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

/** Write out what is buffered before the process exits; the file stream is closed, so call it last. */
export async function flushLogger(logger: Logger): Promise<void> {
  const file = fileStreams.get(logger);
  if (!file) return;
  fileStreams.delete(logger);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    timer.unref();
    file.end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A logger that drops everything (library defaults, tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
