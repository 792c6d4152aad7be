import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CappedLog, previousGeneration, readLogTail } from '../../../core/handoff/capped-log.js';
import { LogFollower } from '../../../core/handoff/log-follower.js';
import { tempDir } from '../../helpers.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function logIn(maxBytes: number) {
  const dir = tempDir('pie-brain-capped-log-');
  dirs.push(dir);
  const file = join(dir.path, 'stdout.log');
  return { file, log: new CappedLog(file, maxBytes) };
}

const onDisk = (file: string) => [file, previousGeneration(file)].filter(existsSync).reduce((sum, path) => sum + statSync(path).size, 0);
const line = (n: number) => `line ${String(n).padStart(6, '0')} ${'x'.repeat(80)}\n`;

describe('CappedLog', () => {
  it('keeps at most its cap on disk, in whole lines, the latest output last and a marker where output was dropped', () => {
    const { file, log } = logIn(16 * 1024);
    let most = 0;
    for (let n = 0; n < 5000; n += 1) {
      log.write(Buffer.from(line(n)));
      most = Math.max(most, onDisk(file));
    }
    log.close();
    expect(most).toBeLessThanOrEqual(16 * 1024);
    const tail = readLogTail(file, 16 * 1024);
    expect(tail.endsWith(line(4999))).toBe(true);
    const lines = tail.split('\n').filter(Boolean);
    expect(lines.filter((text) => !text.startsWith('[pie-brain]')).every((text) => /^line \d{6} x{80}$/.test(text))).toBe(true);
    const marker = readFileSync(file, 'utf8').split('\n')[0];
    expect(marker).toMatch(/^\[pie-brain\] \d+ bytes of earlier output were dropped here to keep this run's files small$/);
    const dropped = Number(/\] (\d+) bytes/.exec(marker ?? '')?.[1]);
    expect(dropped).toBeGreaterThan(5000 * line(0).length - 3 * 16 * 1024);
  });

  it('cuts a runaway line that never ends instead of growing with it', () => {
    const { file, log } = logIn(4096);
    for (let n = 0; n < 100; n += 1) log.write(Buffer.alloc(1000, 'y'));
    log.close();
    expect(onDisk(file)).toBeLessThanOrEqual(4096);
  });

  it('drops nothing from a run that stays under its cap', () => {
    const { file, log } = logIn(1024 * 1024);
    const text = Array.from({ length: 100 }, (_, n) => line(n)).join('');
    log.write(Buffer.from(text));
    log.close();
    expect(readLogTail(file, 1024 * 1024)).toBe(text);
    expect(existsSync(previousGeneration(file))).toBe(false);
  });

  it('is followed across its generations without losing a line by a reader that keeps up', () => {
    const { file, log } = logIn(8 * 1024);
    let read = '';
    const follower = new LogFollower(file, (text) => {
      read += text;
    });
    for (let n = 0; n < 2000; n += 1) {
      log.write(Buffer.from(line(n)));
      if (n % 7 === 0) follower.read();
    }
    log.close();
    follower.read();
    follower.close();
    const seen = read.split('\n').filter((text) => text.startsWith('line '));
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, n) => line(n).trimEnd()));
  });

  it('is read between two generations (the file renamed, the next not there yet) without an error, and nothing is lost', () => {
    const dir = tempDir('pie-brain-capped-log-');
    dirs.push(dir);
    const file = join(dir.path, 'stdout.log');
    let read = '';
    const follower = new LogFollower(file, (text) => {
      read += text;
    });
    writeFileSync(file, 'first\n');
    follower.read();
    appendFileSync(file, 'second\n');
    // The writer's rotation, caught half way: the old generation renamed, no new file yet.
    renameSync(file, previousGeneration(file));
    expect(() => follower.read()).not.toThrow();
    writeFileSync(file, 'third\n');
    follower.read();
    follower.close();
    expect(read).toBe('first\nsecond\nthird\n');
  });
});
