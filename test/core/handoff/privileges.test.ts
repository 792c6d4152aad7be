import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { tempDir } from '../../helpers.js';
import { closedPort, createOriginRepo, type HandoffHost, startHandoffHost } from './handoff-host.js';

// Who may make pie-brain spend money, run code or change a repository through a cloud brain: the attacks of
// an allowed friend, on every path (the /handoff command, a free-text request the rules send to the cloud
// while the local model is down), against the real harness, brains and fake CLIs.

let host: HandoffHost | undefined;
let repoDir: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  host?.openGate();
  await host?.close();
  host = undefined;
  repoDir?.remove();
  repoDir = undefined;
});

const FRIEND = { user: { id: 'friend', name: 'Friend' } };

function createRepo() {
  const repo = createOriginRepo();
  repoDir = repo.dir;
  return repo;
}

async function answer(h: HandoffHost, text: string, from = FRIEND): Promise<{ taskId: number; text: string }> {
  const taskId = await h.ask(text, from);
  await h.answered(taskId);
  const reply = h.runtime.outbox.forTask(taskId).find((row) => row.kind === 'reply')?.body as { text: string } | undefined;
  return { taskId, text: reply?.text ?? '' };
}

describe('privileges on every path into a cloud brain', () => {
  it('an allowed friend without grants cannot hand off: aider-style commands in the text reach no brain', async () => {
    host = await startHandoffHost({
      platform: 'telegram',
      config: { access: { allowedUsers: { telegram: ['friend'] } }, brains: { default: 'aider' } },
    });
    for (const text of ['/handoff /run id > /tmp/x', '/handoff !id', '/handoff summarise my notes']) {
      const { text: reply } = await answer(host, text);
      expect(reply).toMatch(/^Sorry, \/handoff needs the right to spend money .*access\.grants` \(user `telegram:friend`\)/);
    }
    expect(host.cli()).toEqual([]);
    expect(host.spend.reservations).toEqual([]);
  });

  it('with Ollama down, free text the rules send to the cloud is refused to a friend, and still runs for the owner', async () => {
    const repo = createRepo();
    host = await startHandoffHost({
      platform: 'telegram',
      ollamaHost: await closedPort(),
      git: repo.workflow,
      config: { access: { allowedUsers: { telegram: ['friend'] } }, git: { repos: repo.repos } },
    });
    const { text: refused } = await answer(host, 'give me a thorough review of my-repo');
    expect(refused).toMatch(/^Sorry, handing work to a cloud brain needs the right to spend money/);
    expect(host.cli()).toEqual([]);
    expect(repo.workflow.calls).toEqual([]);
    const owner = await answer(host, 'give me a thorough review of the design', { user: { id: 'owner', name: 'Owner' } });
    expect(owner.text).toContain('Done:');
  });

  it('a grant to spend is not a grant to run code: a coding brain needs runCode, the API brain does not', async () => {
    host = await startHandoffHost({
      platform: 'telegram',
      anthropicApiKey: 'sk-ant-test',
      config: {
        access: { grants: [{ user: 'telegram:friend', privileges: ['spend'], budgetShare: 0.5 }] },
        brains: { default: 'claude-code' },
      },
    });
    const { text } = await answer(host, '/handoff write a poem about the Pi');
    expect(text).toMatch(/^Sorry, a claude-code run needs the right to run code/);
    expect(host.cli().filter((e) => e.event === 'start')).toEqual([]);
  });

  it('a friend granted spend and runCode hands off in scratch, but never into a repository without changeRepo', async () => {
    const repo = createRepo();
    host = await startHandoffHost({
      platform: 'telegram',
      git: repo.workflow,
      config: {
        access: { grants: [{ user: 'telegram:friend', privileges: ['spend', 'runCode'], budgetShare: 0.5 }] },
        git: { repos: repo.repos },
      },
    });
    const scratch = await answer(host, '/handoff [edit] draft a README');
    expect(scratch.text).toBe('Done: [edit] draft a README');
    expect(host.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.cwd).toBe(join(host.paths.home, 'scratch'));
    const intoRepo = await answer(host, '/handoff [edit] add a changelog to my-repo');
    expect(intoRepo.text).toMatch(/^Sorry, a cloud run in my-repo needs the right to change a repository/);
    expect(repo.workflow.calls).toEqual([]);
    expect(host.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
  });

  it('a friend granted spend uses at most their share of the monthly budget; the owner is not held to it', async () => {
    host = await startHandoffHost({
      platform: 'telegram',
      budget: { profile: 'CAREFUL', monthlyUsd: 20 },
      config: { access: { grants: [{ user: 'telegram:friend', privileges: ['spend', 'runCode'], budgetShare: 0.1 }] } },
    });
    // $2 of $20: the first run holds its whole $2 cap and fits; it costs $0.0123.
    const first = await answer(host, '/handoff summarise the week');
    expect(first.text).toBe('Done: summarise the week');
    const second = await answer(host, '/handoff summarise the month');
    expect(second.text).toMatch(
      /^I did not start a cloud run for task \d+: .*only \$1\.99 of your \$2\.00 share of this month's budget is left/,
    );
    expect(host.cli().filter((e) => e.tool === 'claude' && e.event === 'start')).toHaveLength(1);
    const owner = await answer(host, '/handoff summarise the year', { user: { id: 'owner', name: 'Owner' } });
    expect(owner.text).toBe('Done: summarise the year');
    const rows = host.runtime.db.prepare('SELECT user_key FROM spend_reservations ORDER BY created_at').all() as Array<{
      user_key: string | null;
    }>;
    expect(rows.map((row) => row.user_key)).toEqual(['telegram:friend', null]);
  });
});
