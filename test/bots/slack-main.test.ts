import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack.js';
import { tempDir, waitFor } from '../helpers.js';

// main.ts wiring, as a user runs it: `pie-brain start` with Slack tokens in the environment.

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

describe('pie-brain start with Slack configured', () => {
  let child: ChildProcess | undefined;
  let fake: FakeSlack | undefined;
  const dir = tempDir();

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await fake?.stop();
    dir.remove();
  });

  it('connects over Socket Mode, prints how to get in, and refuses a stranger with their id', async () => {
    fake = new FakeSlack();
    await fake.start();
    let stderr = '';
    child = spawn(process.execPath, [MAIN, 'start'], {
      env: {
        PATH: process.env.PATH,
        PIE_BRAIN_HOME: join(dir.path, 'home'),
        PIE_BRAIN_BRAIN_DIR: join(dir.path, 'brain'),
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_APP_TOKEN: fake.appToken,
        SLACK_API_URL: fake.apiUrl,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const current = fake;
    await waitFor(() => current.socketCount > 0, 15_000, 'pie-brain to connect over Socket Mode');
    expect(stderr).toContain('Nobody may use pie-brain on slack yet');
    expect(stderr).toContain('PIE_BRAIN_ADMINS=slack:<your id>');
    await current.sendEvent(
      current.eventPayload({ type: 'message', channel_type: 'im', channel: 'DUNKNOWN', user: 'UNKNOWN', text: 'hi', ts: current.ts() }),
    );
    const refusal = await current.waitForMessage((m) => m.channel === 'DUNKNOWN', 10_000);
    expect(refusal.text).toContain('`UNKNOWN`');
    expect(stderr).not.toContain(current.botToken);
  });
});
