import { z } from 'zod';
import type { Privilege } from '../core/access.js';
import { describeForUser, isPieBrainError } from '../core/errors.js';
import { BaseTool, type ToolContext, type ToolFactory, type ToolResult, type ToolSlashCommand } from './base.js';
import { GitWorkflow } from './lib/git-workflow.js';

export { sanitizeBranchName } from './lib/branch-name.js';
export { type GitRepoConfig, GitWorkflow, type GitWorkflowOptions } from './lib/git-workflow.js';

const params = z.discriminatedUnion('action', [
  z.object({ action: z.literal('repos') }),
  z.object({ action: z.literal('start'), repo: z.string().min(1), branch: z.string().min(1).max(200) }),
  z.object({
    action: z.literal('finish'),
    repo: z.string().min(1),
    message: z.string().min(1).max(5000),
    title: z.string().max(300).optional(),
  }),
]);
type GitParams = z.infer<typeof params>;

const USAGE = '/git repos | start <repo> <branch> | finish <repo> <commit message>';

/** `/git repos`, `/git start notes fix typo`, `/git finish notes Fix the typo in the README`. */
export function parseGitArgs(args: string): unknown {
  const [verb = '', repo = '', ...rest] = args.trim().split(/\s+/);
  const text = rest.join(' ');
  switch (verb.toLowerCase()) {
    case 'start':
      return { action: 'start', repo, branch: text };
    case 'finish':
      return { action: 'finish', repo, message: text };
    default:
      return { action: 'repos' };
  }
}

/** The git workflow as a tool: admins start a task branch in a configured repository and finish it as a PR. */
export class GitTool extends BaseTool<typeof params> {
  readonly name = 'git';
  readonly description = 'start a task branch in a configured repository (pull, new branch) or finish it (commit, push, pull request)';
  readonly params = params;
  override readonly privileges: readonly Privilege[] = ['changeRepo'];
  override readonly slashCommands: readonly ToolSlashCommand[] = [
    {
      command: 'git',
      usage: USAGE,
      description: 'pull and branch a configured repository, or commit, push and open a pull request',
      toParams: parseGitArgs,
      options: [
        { name: 'action', description: 'repos, start or finish', type: 'string', required: true, choices: ['repos', 'start', 'finish'] },
        { name: 'details', description: 'the repository and a branch topic or commit message', type: 'string' },
      ],
    },
  ];

  constructor(private readonly workflow: GitWorkflow) {
    super();
  }

  async run(input: GitParams, ctx: ToolContext): Promise<ToolResult> {
    try {
      switch (input.action) {
        case 'repos':
          return this.repos();
        case 'start': {
          const ready = await this.workflow.prepare(input.repo, input.branch, { signal: ctx.signal });
          return {
            text: `${ready.repo}: on the new branch \`${ready.branch}\`, from ${ready.base} at ${ready.baseCommit.slice(0, 7)}.`,
            data: ready,
          };
        }
        case 'finish': {
          const done = await this.workflow.finish(input.repo, input.message, {
            ...(input.title ? { title: input.title } : {}),
            signal: ctx.signal,
          });
          const text = done.prUrl
            ? `${done.repo}: pushed \`${done.branch}\` (${done.commit.slice(0, 7)}) and opened ${done.prUrl}`
            : `${done.repo}: ${done.prProblem ?? `pushed \`${done.branch}\`.`}`;
          return { text, data: done, ...(done.prUrl ? { links: [{ title: `Pull request for ${done.branch}`, url: done.prUrl }] } : {}) };
        }
      }
    } catch (error) {
      if (ctx.signal.aborted || !isPieBrainError(error) || error.code === 'INTERNAL') throw error;
      return { text: describeForUser(error), data: { error: error.code } };
    }
  }

  private repos(): ToolResult {
    const repos = this.workflow.list();
    if (repos.length === 0) return { text: 'No repositories are configured: list them in config git.repos ({name, path, remote, base}).' };
    return {
      text: [
        'Repositories I may touch:',
        ...repos.map((r) => `- *${r.name}*: ${r.path} (${r.remote}/${r.base})`),
        '',
        `Usage: \`${USAGE}\``,
      ].join('\n'),
    };
  }
}

const factory: ToolFactory = (deps) =>
  new GitTool(new GitWorkflow({ repos: deps.config.git.repos, logger: deps.logger.child({ tool: 'git' }) }));
export default factory;
