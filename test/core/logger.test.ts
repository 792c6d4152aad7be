import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, flushLogger, redactSecrets } from '../../core/logger.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('logger', () => {
  it('scrubs secret values wherever they hide, and redacts credential fields', async () => {
    const token = '123456:AAH-very-secret';
    const captured: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => captured.push(chunk.toString()));
    const logger = await createLogger({ level: 'trace', dir: join(dir.path, 'logs'), secrets: [token], stream });
    logger.error({ err: new Error(`request to https://api.telegram.org/bot${token}/getMe failed`) }, 'poll failed');
    logger.info({ headers: { authorization: 'Bearer abc' }, config: { token: 'field-token' } }, `url ${token}`);
    await flushLogger(logger);
    const file = readdirSync(join(dir.path, 'logs'))
      .map((f) => readFileSync(join(dir.path, 'logs', f), 'utf8'))
      .join('');
    for (const text of [file, captured.join('')]) {
      expect(text).toContain('poll failed');
      expect(text).not.toContain(token);
      expect(text).not.toContain('Bearer abc');
      expect(text).not.toContain('field-token');
      expect(text).toContain('[REDACTED]');
    }
  });

  it('redactSecrets replaces every occurrence', () => {
    expect(redactSecrets('a SECRET b SECRET', ['SECRET'])).toBe('a [REDACTED] b [REDACTED]');
  });
});
