import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';

/** stdout.log -> stdout.1.log: the generation before the current one. */
export function previousGeneration(file: string): string {
  return file.endsWith('.log') ? `${file.slice(0, -'.log'.length)}.1.log` : `${file}.1`;
}

/** The first line of a generation that follows dropped output. */
export function cutMarker(droppedBytes: number): string {
  return `[pie-brain] ${droppedBytes} bytes of earlier output were dropped here to keep this run's files small\n`;
}

const NEWLINE = 0x0a;

/**
 * An append-only log that never holds more than `maxBytes` on disk, with its previous generation. A
 * generation ends at the first line end after a quarter of `maxBytes` (a line that runs on to half of it is
 * cut there): the file becomes `<name>.1.log`, replacing the one before, and a new file starts, with a marker
 * line once output has been dropped. A reader that follows the file by inode reads everything it keeps up
 * with; the latest output, where a run's result is, is always there.
 */
export class CappedLog {
  private fd: number;
  private size: number;
  private previousSize = 0;
  private dropped = 0;
  private readonly generationBytes: number;

  constructor(
    private readonly file: string,
    maxBytes: number,
  ) {
    this.generationBytes = Math.max(256, Math.floor(maxBytes / 4));
    this.fd = openSync(file, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: Uint8Array): void {
    let rest = chunk;
    while (rest.length > 0) {
      // The generation may end at the first line end past `soft` bytes; a line still running at `hard` is cut.
      const soft = Math.max(0, this.generationBytes - this.size);
      const hard = Math.max(1, 2 * this.generationBytes - this.size);
      const newline = rest.indexOf(NEWLINE, Math.max(0, soft - 1));
      if (newline >= 0 && newline < hard) {
        this.append(rest.subarray(0, newline + 1));
        rest = rest.subarray(newline + 1);
        this.rotate();
      } else if (rest.length < hard) {
        this.append(rest);
        return;
      } else {
        this.append(rest.subarray(0, hard));
        rest = rest.subarray(hard);
        this.rotate();
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(bytes: Uint8Array): void {
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.size += bytes.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    const previous = previousGeneration(this.file);
    this.dropped += this.previousSize;
    this.previousSize = this.size;
    renameSync(this.file, previous);
    this.fd = openSync(this.file, 'a');
    this.size = 0;
    if (this.dropped > 0) this.append(Buffer.from(cutMarker(this.dropped)));
  }
}

/**
 * The last `maxBytes` of a capped log, across its two generations, starting at a whole line (everything when
 * it is shorter).
 */
export function readLogTail(file: string, maxBytes: number): string {
  const current = readEnd(file, maxBytes);
  const room = maxBytes - current.length;
  const earlier = room > 0 ? readEnd(previousGeneration(file), room) : Buffer.alloc(0);
  const bytes = Buffer.concat([earlier, current]);
  const whole = earlier.length + current.length >= maxBytes;
  const text = bytes.toString('utf8');
  return whole ? text.slice(text.indexOf('\n') + 1) : text;
}

function readEnd(file: string, maxBytes: number): Buffer {
  const fd = openIfThere(file);
  if (fd === undefined) return Buffer.alloc(0);
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The file opened for reading, or undefined when it is not there (a writer may be between two generations). */
export function openIfThere(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
