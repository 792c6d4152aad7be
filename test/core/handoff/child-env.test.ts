import { afterEach, describe, expect, it } from 'vitest';
import { childEnv } from '../../../core/handoff/child-env.js';
import { type HandoffHost, startHandoffHost } from './handoff-host.js';

/** What any program needs: where things are, the locale, the time zone, the proxy. */
const ORDINARY = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/pi',
  LANG: 'en_GB.UTF-8',
  LC_TIME: 'de_DE.UTF-8',
  TZ: 'Europe/Berlin',
  HTTPS_PROXY: 'http://proxy:3128',
};

/** What pie-brain itself runs with: its tokens and keys beside the ordinary variables. */
const PARENT = {
  ...ORDINARY,
  TELEGRAM_BOT_TOKEN: '123456:telegram-secret',
  TELEGRAM_WEBHOOK_SECRET: 'hook-secret',
  DISCORD_BOT_TOKEN: 'discord-secret',
  SLACK_BOT_TOKEN: 'xoxb-secret',
  SLACK_APP_TOKEN: 'xapp-secret',
  SLACK_SIGNING_SECRET: 'signing-secret',
  ANTHROPIC_API_KEY: 'sk-ant-secret',
  PIE_BRAIN_ADMINS: 'telegram:1',
  PIE_BRAIN_HOME: '/home/pi/.pie-brain',
  GH_TOKEN: 'gh-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
};

describe('childEnv', () => {
  it('passes the allowlist only: no platform token, no key, nothing of pie-brain’s own', () => {
    expect(childEnv(PARENT)).toEqual(ORDINARY);
  });

  it('passes what brains.passEnv names, and what the brain adds, but never a platform token even when named', () => {
    const env = childEnv(PARENT, {
      pass: ['AWS_SECRET_ACCESS_KEY', 'TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN'],
      add: { ANTHROPIC_API_KEY: 'sk-for-this-brain', DISCORD_BOT_TOKEN: 'sneaked-in' },
    });
    expect(env).toMatchObject({ AWS_SECRET_ACCESS_KEY: 'aws-secret', ANTHROPIC_API_KEY: 'sk-for-this-brain' });
    expect(Object.keys(env).filter((name) => /^(TELEGRAM|DISCORD|SLACK)_/.test(name))).toEqual([]);
  });
});

describe('the environment a brain’s process starts with', () => {
  let host: HandoffHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  const envOf = (tool: string) => host?.cli().find((e) => e.tool === tool && e.event === 'start')?.env as string[] | undefined;
  const secrets = (names: string[] | undefined) =>
    (names ?? []).filter((name) => /^(TELEGRAM|DISCORD|SLACK)_|^GH_TOKEN$|^AWS_|^PIE_BRAIN_|^ANTHROPIC_API_KEY$/.test(name));

  it('holds no platform token and no key claude does not use (it has a login of its own here)', async () => {
    const { PATH: _path, HOME: _home, ...parent } = PARENT;
    host = await startHandoffHost({ env: { ...parent, CLAUDE_CODE_OAUTH_TOKEN: 'oat-claude' }, anthropicApiKey: 'sk-ant-secret' });
    const taskId = await host.ask('/handoff print your environment');
    await host.answered(taskId);
    const names = envOf('claude');
    expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC']));
    expect(secrets(names)).toEqual([]);
  });

  it('gives the Anthropic key to the brain that uses it (aider, with an Anthropic model), still no platform token', async () => {
    const { PATH: _path, HOME: _home, ...parent } = PARENT;
    host = await startHandoffHost({
      config: { brains: { default: 'aider', fallback: [] } },
      env: parent,
      anthropicApiKey: 'sk-ant-secret',
    });
    const taskId = await host.ask('/handoff print your environment');
    await host.answered(taskId);
    expect(secrets(envOf('aider'))).toEqual(['ANTHROPIC_API_KEY']);
  });
});
