import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../core/config.js';
import { loadSecrets } from '../../core/secrets.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe('config', () => {
  it('config.yaml at the root documents every key with its default', () => {
    const text = readFileSync(new URL('../../config.yaml', import.meta.url), 'utf8');
    const { config, warnings } = parseConfig(parse(text));
    expect(warnings).toEqual([]);
    expect(config).toEqual(parseConfig({}).config);
    expect(leafPaths(parse(text)).sort()).toEqual(leafPaths(parseConfig({}).config).sort());
    for (const line of text.split('\n')) {
      if (/^\s*[A-Za-z]+:\s*\S/.test(line) && !line.includes('#')) throw new Error(`no comment on: ${line}`);
    }
  });

  it('embedded defaults when no file is named or present', () => {
    const loaded = loadConfig({ env: { PIE_BRAIN_HOME: join(dir.path, 'none') } });
    expect(loaded.source).toBeNull();
    expect(loaded.config.storage.synchronous).toBe('FULL');
    expect(loaded.config.access.admins).toEqual([]);
  });

  it('reads $PIE_BRAIN_HOME/config.yaml, and --config wins over PIE_BRAIN_CONFIG', () => {
    const home = tempDir();
    writeFileSync(join(home.path, 'config.yaml'), 'queue:\n  maxAttempts: 7\n');
    const named = join(dir.path, 'named.yaml');
    writeFileSync(named, 'queue:\n  maxAttempts: 9\n');
    const other = join(dir.path, 'other.yaml');
    writeFileSync(other, 'queue:\n  maxAttempts: 4\n');
    expect(loadConfig({ env: { PIE_BRAIN_HOME: home.path } }).config.queue.maxAttempts).toBe(7);
    expect(loadConfig({ env: { PIE_BRAIN_HOME: home.path, PIE_BRAIN_CONFIG: other } }).config.queue.maxAttempts).toBe(4);
    expect(loadConfig({ cliPath: named, env: { PIE_BRAIN_HOME: home.path, PIE_BRAIN_CONFIG: other } }).config.queue.maxAttempts).toBe(9);
    home.remove();
  });

  it('names the key path, the expected type and what was found, one line per problem', () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'queue:\n  maxAttempts: three\nstorage:\n  synchronous: SOMETIMES\nlog: 5\n');
    let error: unknown;
    try {
      loadConfig({ cliPath: file, env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(`${file}: queue.maxAttempts: expected number, found string "three"`);
    expect(problems.find((p) => p.includes('storage.synchronous'))).toMatch(
      /expected one of "OFF", "NORMAL", "FULL", "EXTRA", found string "SOMETIMES"/,
    );
    expect(problems.find((p) => p.includes(': log:'))).toMatch(/expected object, found number 5/);
  });

  it('warns about an unknown key instead of dying', () => {
    const { config, warnings } = parseConfig({ queue: { maxAttempts: 2, maxAtempts: 5 }, telegarm: {} });
    expect(config.queue.maxAttempts).toBe(2);
    expect(warnings).toEqual(['config: unknown key queue.maxAtempts (ignored)', 'config: unknown key telegarm (ignored)']);
  });

  it('a missing file named by --config is an error', () => {
    expect(() => loadConfig({ cliPath: join(dir.path, 'missing.yaml'), env: {} })).toThrow(/config file not found/);
  });

  it('YAML that does not parse is one readable line', () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'queue: [unclosed\n');
    expect(() => loadConfig({ cliPath: file, env: {} })).toThrow(/not valid YAML/);
  });

  it('environment variables override the file', () => {
    const file = join(dir.path, 'env.yaml');
    writeFileSync(file, 'ollama:\n  host: http://10.0.0.1:11434\naccess:\n  admins: [telegram:1]\n');
    const { config } = loadConfig({
      cliPath: file,
      env: {
        OLLAMA_HOST: 'http://127.0.0.1:9999',
        PIE_BRAIN_ADMINS: 'telegram:5, slack:U1',
        TELEGRAM_ALLOWED_USERS: '7,8',
        DEFAULT_CLOUD_BRAIN: 'aider',
        PIE_BRAIN_HTTP_PORT: '8080',
      },
    });
    expect(config.ollama.host).toBe('http://127.0.0.1:9999');
    expect(config.access.admins).toEqual(['telegram:5', 'slack:U1']);
    expect(config.access.allowedUsers.telegram).toEqual(['7', '8']);
    expect(config.brains.default).toBe('aider');
    expect(config.http.port).toBe(8080);
  });

  it('secrets come from the environment or from files the config names', () => {
    const secretFile = join(dir.path, 'discord-token');
    writeFileSync(secretFile, 'discord-secret-value\n');
    const config = parseConfig({ discord: { tokenFile: secretFile }, slack: { botTokenFile: join(dir.path, 'nope') } }).config;
    expect(() => loadSecrets(config, {})).toThrow(/SLACK_BOT_TOKEN cannot be read/);
    const secrets = loadSecrets(config, { SLACK_BOT_TOKEN: 'xoxb-env', TELEGRAM_BOT_TOKEN: '123:abc' });
    expect(secrets).toEqual({ discordToken: 'discord-secret-value', slackBotToken: 'xoxb-env', telegramToken: '123:abc' });
  });
});
