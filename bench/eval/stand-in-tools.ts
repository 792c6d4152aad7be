// Stand-ins for the tools (arxiv, memory, git, run_code): the names, one-line descriptions, param schemas,
// privileges and slash commands the router sees, without the work. The routing eval and bench use them; the
// tests wrap them in recording doubles.
import { z } from 'zod';
import { type Privilege, requirePrivileges } from '../../core/access.js';
import type { Tool, ToolContext, ToolResult, ToolSlashCommand } from '../../core/contracts/tool.js';

const ARXIV_ID = /^(?:arxiv:)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?\/\d{7}(?:v\d+)?)$/i;

const arxivParams = z.object({
  mode: z.enum(['id', 'search', 'discover']).describe('id: one paper; search: by title or topic; discover: the last 24 h'),
  id: z.string().min(1).optional().describe('arXiv id, e.g. 2401.12345 or 2401.12345v2'),
  query: z.string().min(1).optional().describe('title or topic words'),
});

const memoryParams = z.object({
  action: z.enum(['search', 'save']),
  query: z.string().min(1).optional().describe('what to look for (search)'),
  text: z.string().min(1).optional().describe('the note to keep (save)'),
});

const gitParams = z.object({
  action: z.enum(['sync', 'status', 'branch', 'pr', 'task']).describe('task: coding work, handed off'),
  repo: z.string().min(1).optional().describe('a configured repository name'),
  branch: z.string().min(1).optional(),
  task: z.string().min(1).optional().describe('the coding work to do (action task)'),
});

const runCodeParams = z.object({
  language: z.enum(['python', 'javascript']),
  code: z.string().min(1),
});

function slash(command: string, usage: string, toParams: (args: string) => unknown): ToolSlashCommand {
  return { command, usage, toParams };
}

function arxivArgs(args: string): z.infer<typeof arxivParams> {
  const text = args.trim();
  if (!text || /^(discover|today|new)$/i.test(text)) return { mode: 'discover' };
  const id = ARXIV_ID.exec(text)?.[1] ?? /arxiv\.org\/(?:abs|pdf)\/([^\s?#]+?)(?:\.pdf)?$/i.exec(text)?.[1];
  return id ? { mode: 'id', id } : { mode: 'search', query: text };
}

function codeArgs(args: string): z.infer<typeof runCodeParams> {
  const match = /^(python|py|javascript|js|node)\s+([\s\S]+)$/i.exec(args.trim());
  const language = match && /^(javascript|js|node)$/i.test(match[1] ?? '') ? 'javascript' : 'python';
  const code = (match?.[2] ?? args).replace(/^```\w*\n?|```$/g, '').trim();
  return { language, code };
}

function gitArgs(args: string): z.infer<typeof gitParams> {
  const [first = '', ...rest] = args.trim().split(/\s+/);
  const action = first.toLowerCase();
  if (action === 'sync' || action === 'status' || action === 'branch' || action === 'pr') {
    return { action, ...(rest[0] ? { repo: rest[0] } : {}) };
  }
  return { action: 'task', task: args.trim() };
}

/** A tool that only says what it was asked (and refuses a user without its privileges, as the real ones do). */
export class StandInTool implements Tool {
  constructor(
    readonly name: string,
    readonly description: string,
    readonly params: z.ZodType,
    readonly slashCommands: readonly ToolSlashCommand[],
    readonly privileges: readonly Privilege[] = ['read'],
  ) {}

  async runLocal(params: unknown, ctx?: Pick<ToolContext, 'actor'>): Promise<ToolResult> {
    if (ctx) requirePrivileges(ctx.actor, this.privileges, `the ${this.name} tool`);
    const parsed = this.params.parse(params);
    return { text: `${this.name} ran with ${JSON.stringify(parsed)}` };
  }
}

/** The four tools as the router sees them. */
export function createStandInTools(): StandInTool[] {
  return [
    new StandInTool(
      'arxiv',
      'arXiv papers: look one up by id or URL, search by title or topic, or discover the last day of new papers',
      arxivParams,
      [slash('arxiv', '/arxiv <id | title | discover>', arxivArgs)],
      ['read', 'writeNotes'],
    ),
    new StandInTool(
      'memory',
      "the user's notes: semantic search of saved notes and papers, or save a new note",
      memoryParams,
      [
        slash('memory', '/memory <query>', (args) => ({ action: 'search', query: args.trim() })),
        slash('note', '/note <text>', (args) => ({ action: 'save', text: args.trim() })),
      ],
      ['read', 'writeNotes'],
    ),
    new StandInTool(
      'git',
      'git workflow on configured repositories: sync (pull --rebase), status, branch, pull request; coding work is a handoff',
      gitParams,
      [slash('git', '/git <sync|status|branch|pr> [repo]', gitArgs)],
      ['changeRepo'],
    ),
    new StandInTool(
      'run_code',
      'run a short Python or JavaScript snippet and show its output',
      runCodeParams,
      [slash('run', '/run [python|js] <code>', codeArgs)],
      ['runCode'],
    ),
  ];
}
