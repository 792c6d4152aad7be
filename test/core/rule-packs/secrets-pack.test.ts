import { describe, expect, it } from 'vitest';
import { RuleChecker } from '../../../core/rule-packs/rule-checker.js';
import { secretsPack } from '../../../core/rule-packs/secrets-pack.js';

// Shapes of real credentials, made up for the tests.
const TOKENS = {
  telegram: '7312894056:AAH3kq9Zr2LmXv8TnP4sWc6YbQe1JdUf0gA',
  anthropic: 'sk-ant-api03-Zx9Qm2Lk7Vb4Nc1Rt8Yw3Pe6Ha5Sd0Fg-Jk2Lm9Nb4Vc7X_AA',
  githubClassic: 'ghp_R4nd0mL00k1ngT0k3nV4lu3F0rT3st1ng01',
  githubFine: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123',
  slackBot: 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
  slackApp: 'xapp-1-A0123BCDEF4-5678901234567-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d',
  discord: 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab',
  awsKeyId: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

const PRIVATE_KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDx3nY5cL2j9qk8cT0f6S1n3pPz0c8v8QwXyZ2fQAAAAJgAAAAA==',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

const checker = (values: string[] = []) => new RuleChecker({ packs: [secretsPack(values)] });

function redacted(text: string, values: string[] = []) {
  return checker(values).check('output', text);
}

describe('the secrets pack', () => {
  it('redacts every configured secret value, wherever it appears', () => {
    const verdict = redacted('token=s3cr3t-value and again s3cr3t-value.', ['s3cr3t-value']);
    expect(verdict.text).toBe('token=[REDACTED: configured secret] and again [REDACTED: configured secret].');
    expect(verdict.hits).toEqual([
      { pack: 'secrets', rule: 'configured-secret', severity: 'redact', surface: 'output', message: 'configured secret', count: 2 },
    ]);
  });

  it('redacts Telegram bot tokens, also inside an API URL quoted by an error', () => {
    const verdict = redacted(`GET https://api.telegram.org/bot${TOKENS.telegram}/getMe failed: 401`);
    expect(verdict.text).toBe('GET https://api.telegram.org/bot[REDACTED: Telegram bot token]/getMe failed: 401');
    expect(verdict.hits.map((hit) => hit.rule)).toEqual(['telegram-bot-token']);
  });

  it('redacts Anthropic keys (sk-ant-)', () => {
    expect(redacted(`export ANTHROPIC_API_KEY=${TOKENS.anthropic}`).text).toBe('export ANTHROPIC_API_KEY=[REDACTED: Anthropic API key]');
  });

  it('redacts GitHub tokens, classic (ghp_) and fine-grained (github_pat_)', () => {
    const verdict = redacted(`old ${TOKENS.githubClassic}, new ${TOKENS.githubFine}`);
    expect(verdict.text).toBe('old [REDACTED: GitHub token], new [REDACTED: GitHub token]');
    expect(verdict.hits).toMatchObject([{ rule: 'github-token', count: 2 }]);
  });

  it('redacts Slack bot (xoxb-) and app-level (xapp-) tokens', () => {
    const verdict = redacted(`SLACK_BOT_TOKEN=${TOKENS.slackBot}\nSLACK_APP_TOKEN=${TOKENS.slackApp}`);
    expect(verdict.text).toBe('SLACK_BOT_TOKEN=[REDACTED: Slack token]\nSLACK_APP_TOKEN=[REDACTED: Slack token]');
  });

  it('redacts Discord bot tokens', () => {
    expect(redacted(`DISCORD_BOT_TOKEN="${TOKENS.discord}"`).text).toBe('DISCORD_BOT_TOKEN="[REDACTED: Discord bot token]"');
  });

  it('redacts AWS access key ids, and a secret access key next to its name (only the value)', () => {
    const verdict = redacted(`aws_access_key_id = ${TOKENS.awsKeyId}\naws_secret_access_key = ${TOKENS.awsSecret}\n`);
    expect(verdict.text).toBe(
      'aws_access_key_id = [REDACTED: AWS access key id]\naws_secret_access_key = [REDACTED: AWS secret access key]\n',
    );
    expect(verdict.hits.map((hit) => hit.rule)).toEqual(['aws-access-key-id', 'aws-secret-access-key']);
  });

  it('redacts private key blocks, and a key cut short to the end of the text', () => {
    const whole = redacted(`Here:\n${PRIVATE_KEY}\nKeep it safe.`);
    expect(whole.text).toBe('Here:\n[REDACTED: private key]\nKeep it safe.');
    const cut = redacted(`Here:\n${PRIVATE_KEY.slice(0, 120)}`);
    expect(cut.text).toBe('Here:\n[REDACTED: private key]');
  });

  it('still finds a token with invisible characters inside it, and removes them with it', () => {
    const hidden = `key: ${TOKENS.anthropic.slice(0, 10)}\u200b${TOKENS.anthropic.slice(10, 20)}\u2060${TOKENS.anthropic.slice(20)} end`;
    expect(redacted(hidden).text).toBe('key: [REDACTED: Anthropic API key] end');
    const split = `s3cr\u200Bet-value`;
    expect(redacted(`it is ${split}!`, ['s3cret-value']).text).toBe('it is [REDACTED: configured secret]!');
  });

  it('keeps text around overlapping matches intact (a configured token is also a token shape)', () => {
    const verdict = redacted(`a ${TOKENS.telegram} b 😀 ${TOKENS.awsKeyId} c`, [TOKENS.telegram]);
    expect(verdict.text).toBe('a [REDACTED: configured secret] b 😀 [REDACTED: AWS access key id] c');
  });

  it('leaves ordinary text, code and look-alikes alone', () => {
    const text = [
      'The meeting is at 10:30, ticket 12345678:ok.',
      'Use the sk-ant- prefix for Anthropic keys; ghp_ for GitHub.',
      'xoxb- tokens start like this.',
      '```\nconst skAnt = "sk-ant-";\n```',
      'BEGIN PRIVATE KEY is how PEM files start.',
    ].join('\n');
    const verdict = redacted(text, ['s3cret-value']);
    expect(verdict).toEqual({ text, hits: [], notes: [] });
  });

  it('applies to what leaves for a chat and for a cloud brain, not to code run on the Pi', () => {
    const pack = checker(['s3cret-value']);
    expect(pack.check('brain', 'use s3cret-value').text).toBe('use [REDACTED: configured secret]');
    expect(pack.check('run', 'print("s3cret-value")').hits).toEqual([]);
    expect(pack.check('command', '/memory save s3cret-value').hits).toEqual([]);
  });
});
