import { closeSync, fstatSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { openIfThere, previousGeneration } from './capped-log.js';

const CHUNK = 64 * 1024;

/**
 * Reads a CappedLog as it grows, like `tail -F`: it holds the file open, reads to its end, and when the file
 * was replaced by a new generation it reads the rest of the old one before moving on. Text comes out whole
 * (UTF-8 characters are never split).
 */
export class LogFollower {
  private fd: number | undefined;
  private inode: number | undefined;
  private offset = 0;
  private started = false;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly file: string,
    private readonly onText: (text: string) => void,
  ) {}

  /** Read whatever is new. The first call also reads the previous generation, if there is one (a re-attach). */
  read(): void {
    if (!this.started) {
      this.started = true;
      this.readWhole(previousGeneration(this.file));
    }
    if (this.fd === undefined && !this.open()) return;
    this.drain();
    // Between the writer's rename and its new file there is no file at all: next time.
    const now = statSync(this.file, { throwIfNoEntry: false })?.ino;
    if (now !== undefined && now !== this.inode) {
      // The old generation's last lines, written before it was replaced.
      this.drain();
      this.close();
      if (this.open()) this.drain();
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): boolean {
    const fd = openIfThere(this.file);
    if (fd === undefined) return false;
    this.fd = fd;
    this.inode = fstatSync(fd).ino;
    this.offset = 0;
    return true;
  }

  private drain(): void {
    if (this.fd !== undefined) this.offset = this.pump(this.fd, this.offset);
  }

  private readWhole(file: string): void {
    const fd = openIfThere(file);
    if (fd === undefined) return;
    try {
      this.pump(fd, 0);
    } finally {
      closeSync(fd);
    }
  }

  /** Read from `offset` to the end; returns the new offset. */
  private pump(fd: number, offset: number): number {
    const buffer = Buffer.alloc(CHUNK);
    let at = offset;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, at);
      if (read <= 0) return at;
      at += read;
      this.onText(this.decoder.write(buffer.subarray(0, read)));
    }
  }
}
