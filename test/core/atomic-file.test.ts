import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../core/lib/atomic-file.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('writeFileAtomic', () => {
  it('replaces the file through a rename and leaves no temp file', async () => {
    const path = join(dir.path, 'note.md');
    writeFileSync(path, 'old');
    const before = statSync(path).ino;
    await writeFileAtomic(path, 'new content');
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir.path)).toEqual(['note.md']);
  });

  it('when the rename fails, the target is untouched and the temp file is gone', async () => {
    const sub = join(dir.path, 'sub');
    const target = join(sub, 'taken');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, 'would replace a folder')).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['taken']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});
