import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { tempDir } from '../../helpers.js';
import { createOriginRepo, GIT_IDENTITY, type HandoffHost, startHandoffHost } from './handoff-host.js';

let host: HandoffHost | undefined;
let repoDir: ReturnType<typeof tempDir> | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
  repoDir?.remove();
});

const identity = GIT_IDENTITY;

function createRepo() {
  const repo = createOriginRepo();
  repoDir = repo.dir;
  return repo;
}

describe('git around coding runs', () => {
  it('pulls and branches before, commits and opens a PR after, and puts the PR link in the reply', async () => {
    const repo = createRepo();
    host = await startHandoffHost({
      git: repo.workflow,
      env: identity,
      config: { git: { repos: [{ name: 'my-repo', path: repo.work, base: 'main', remote: 'origin' }] } },
    });
    repo.workflow.setEnv({ ...repo.env, FAKE_BRAIN_LOG: host.logFile });
    const taskId = await host.ask('/handoff [edit] add a changelog to my-repo');
    await host.answered(taskId);
    const [reply] = host.repliesFor(taskId);
    expect(reply?.text).toBe('Done: [edit] add a changelog to my-repo\n\nPull request: https://github.example/pie-owner/repo/pull/1');
    expect(host.cli().find((e) => e.tool === 'claude' && e.event === 'start')?.cwd).toBe(repo.work);
    expect(repo.workflow.calls.map((call) => [call.step, call.repo])).toEqual([
      ['prepare', 'my-repo'],
      ['finish', 'my-repo'],
    ]);
    expect(repo.workflow.calls[0]?.detail).toBe(`pie-brain/task-${taskId}`);
    const branches = repo.git(repo.origin, 'branch', '--list');
    expect(branches).toContain(`pie-brain/task-${taskId}`);
    expect(repo.git(repo.origin, 'log', '--format=%s', `pie-brain/task-${taskId}`, '-1').trim()).toBe(
      `pie-brain task ${taskId} (claude-code): [edit] add a changelog to my-repo`,
    );
    const pr = host.cli().find((e) => e.tool === 'gh' && e.event === 'pr');
    expect(pr).toMatchObject({ head: `pie-brain/task-${taskId}`, number: 1 });
  });

  it('leaves the changes on the branch and says so when the PR cannot be opened', async () => {
    const repo = createRepo();
    host = await startHandoffHost({
      git: repo.workflow,
      env: { ...identity, FAKE_GH_FAIL: '1' },
      config: { brains: { workdir: repo.work }, git: { repos: [{ name: 'my-repo', path: repo.work, base: 'main', remote: 'origin' }] } },
    });
    repo.workflow.setEnv({ ...repo.env, FAKE_GH_FAIL: '1' });
    const taskId = await host.ask('/handoff [edit] fix the typo');
    await host.answered(taskId);
    const text = host.repliesFor(taskId)[0]?.text ?? '';
    expect(text).toMatch(
      /^Done: \[edit\] fix the typo\n\nThe changes were pushed on branch `pie-brain\/task-\d+`; no pull request: .*gh pr create` failed/,
    );
    expect(host.runtime.queue.get(taskId)?.status).toBe('done');
  });

  it('runs outside any repository without git when the request names none and no workdir is set', async () => {
    const repo = createRepo();
    host = await startHandoffHost({
      git: repo.workflow,
      config: { git: { repos: [{ name: 'my-repo', path: repo.work, base: 'main', remote: 'origin' }] } },
    });
    const taskId = await host.ask('/handoff explain monads');
    await host.answered(taskId);
    expect(host.repliesFor(taskId)[0]?.text).toBe('Done: explain monads');
    expect(repo.workflow.calls).toEqual([]);
    expect(host.cli().find((e) => e.tool === 'claude')?.cwd).toBe(join(host.paths.home, 'scratch'));
  });
});
