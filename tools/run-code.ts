import { join } from 'node:path';
import { z } from 'zod';
import type { Privilege } from '../core/access.js';
import { type CodeRun, CodeRunStore } from '../storage/code-runs.js';
import { BaseTool, type ToolContext, type ToolDeps, type ToolFactory, type ToolResult, type ToolSlashCommand } from './base.js';
import { runSnippet, type SnippetLanguage, type SnippetResult } from './lib/code-runner.js';

const params = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('run'),
    language: z.enum(['python', 'javascript']),
    code: z.string().min(1).max(100_000),
    args: z.array(z.string().max(10_000)).max(50).default([]),
  }),
  z.object({ action: z.literal('list'), query: z.string().max(200).optional() }),
]);
type RunParams = z.infer<typeof params>;

const LANGUAGES: Record<string, SnippetLanguage> = {
  python: 'python',
  python3: 'python',
  py: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
};

/** `/run python print(1)`, or the code in a fenced block: `/run js` then ```console.log(1)```. */
export function parseRunArgs(args: string): unknown {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(args.trim());
  let language = match?.[1]?.toLowerCase() ?? '';
  let code = match?.[2] ?? '';
  const fencedOnly = /^```(\w+)?\s*\n?([\s\S]*?)\n?```$/.exec(args.trim());
  if (fencedOnly) {
    language = fencedOnly[1]?.toLowerCase() ?? '';
    code = fencedOnly[2] ?? '';
  }
  const fenced = /^```\w*\s*\n?([\s\S]*?)\n?```$/.exec(code.trim());
  if (fenced) code = fenced[1] ?? '';
  return { action: 'run', language: LANGUAGES[language] ?? language, code };
}

function fence(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, '`\u200b``')}\n\`\`\``;
}

function firstLine(code: string): string {
  const line = code.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function describeEnd(run: Pick<CodeRun, 'timedOut' | 'exitCode' | 'signal'>, timeoutSeconds: number): string {
  if (run.timedOut) return `stopped after ${timeoutSeconds} s (timeout)`;
  if (run.exitCode !== null) return `exit ${run.exitCode}`;
  return `killed by ${run.signal ?? 'a signal'}`;
}

export interface RunCodeToolOptions {
  store: CodeRunStore;
  scratchRoot: string;
  timeoutSeconds: number;
  maxOutputBytes: number;
  memoryMb: number;
  python: string;
  now: () => number;
  /** Run without bubblewrap when it cannot make a sandbox (config runCode.allowUnsandboxed). */
  allowUnsandboxed?: boolean;
  prlimit?: string | null;
  bwrap?: string | null;
}

/** The debugger of the AI Factory seed: admins run a Python or JavaScript snippet on the Pi; `/runs` finds past runs. */
export class RunCodeTool extends BaseTool<typeof params> {
  readonly name = 'run_code';
  readonly description = 'run a short Python or JavaScript snippet on the Pi and show its output; list or search past runs';
  readonly params = params;
  override readonly privileges: readonly Privilege[] = ['runCode'];
  override readonly slashCommands: readonly ToolSlashCommand[] = [
    {
      command: 'run',
      usage: '/run <python|js> <code>',
      description: 'run a short Python or JavaScript snippet on the Pi and show its output',
      toParams: parseRunArgs,
      options: [
        { name: 'language', description: 'python or js', type: 'string', required: true, choices: ['python', 'js'] },
        { name: 'code', description: 'the snippet', type: 'string', required: true },
      ],
    },
    {
      command: 'runs',
      usage: '/runs [query]',
      description: 'list or search past code runs',
      options: [{ name: 'query', description: 'words to look for in past runs', type: 'string' }],
      toParams: (args: string) => ({ action: 'list', ...(args.trim() ? { query: args.trim() } : {}) }),
    },
  ];

  constructor(private readonly options: RunCodeToolOptions) {
    super();
  }

  /** The snippet and its arguments: what the rule packs look at before it runs. */
  executedText(raw: unknown): string | undefined {
    const input = params.safeParse(raw);
    if (!input.success || input.data.action !== 'run') return undefined;
    return [input.data.code, ...input.data.args].join('\n');
  }

  async run(input: RunParams, ctx: ToolContext): Promise<ToolResult> {
    if (input.action === 'list') return this.list(input.query);
    const result = await runSnippet({
      language: input.language,
      code: input.code,
      args: input.args,
      scratchRoot: this.options.scratchRoot,
      timeoutMs: this.options.timeoutSeconds * 1000,
      maxOutputBytes: this.options.maxOutputBytes,
      memoryMb: this.options.memoryMb,
      python: this.options.python,
      signal: ctx.signal,
      allowUnsandboxed: this.options.allowUnsandboxed ?? false,
      ...(this.options.prlimit === undefined ? {} : { prlimit: this.options.prlimit }),
      ...(this.options.bwrap === undefined ? {} : { bwrap: this.options.bwrap }),
    });
    if (result.refused) {
      return {
        text: `I don't run code without a sandbox, and there is none here: ${result.refused}. Install it (\`sudo apt-get install bubblewrap\`), or set runCode.allowUnsandboxed: true to run snippets without one.`,
        data: { refused: 'no-sandbox' },
      };
    }
    if (result.missing) {
      return {
        text: `I cannot run ${input.language}: \`${result.missing}\` was not found${input.language === 'python' ? ' (config runCode.python)' : ''}.`,
      };
    }
    const run = this.options.store.add({
      taskId: ctx.taskId,
      userId: `${ctx.address.platform}:${ctx.user.id}`,
      language: input.language,
      code: input.code,
      args: input.args,
      ...pick(result),
      createdAt: this.options.now(),
    });
    return {
      text: this.describe(run, result.sandbox === 'none'),
      data: { runId: run.id, ...pick(result), memoryLimit: result.memoryLimit, sandbox: result.sandbox },
    };
  }

  private describe(run: CodeRun, unsandboxed: boolean): string {
    const lines = [
      `Run #${run.id} (${run.language}, ${describeEnd(run, this.options.timeoutSeconds)}, ${run.durationMs} ms${unsandboxed ? ', no sandbox' : ''})`,
    ];
    if (run.stdout) lines.push(fence(run.stdout.trimEnd()));
    if (run.stderr) lines.push('stderr:', fence(run.stderr.trimEnd()));
    if (!run.stdout && !run.stderr) lines.push('(no output)');
    if (run.truncated) lines.push(`_Output was cut at ${this.options.maxOutputBytes} bytes per stream._`);
    return lines.join('\n');
  }

  private list(query: string | undefined): ToolResult {
    const runs = this.options.store.list(query);
    if (runs.length === 0) return { text: query ? `No runs match "${query}".` : 'No runs yet. Try `/run python print(1)`.' };
    const heading = query ? `Runs matching "${query}":` : 'Latest runs:';
    const lines = runs.map((run) => {
      const when = new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 16);
      return `- #${run.id} ${when} ${run.language}, ${describeEnd(run, this.options.timeoutSeconds)}: \`${firstLine(run.code)}\``;
    });
    return { text: [heading, ...lines].join('\n'), data: { runs: runs.map((run) => run.id) } };
  }
}

function pick(result: SnippetResult): Pick<CodeRun, 'exitCode' | 'signal' | 'timedOut' | 'truncated' | 'stdout' | 'stderr' | 'durationMs'> {
  const { exitCode, signal, timedOut, truncated, stdout, stderr, durationMs } = result;
  return { exitCode, signal, timedOut, truncated, stdout, stderr, durationMs };
}

export function createRunCodeTool(deps: ToolDeps): RunCodeTool {
  const { runCode } = deps.config;
  return new RunCodeTool({
    store: new CodeRunStore(deps.db),
    scratchRoot: join(deps.paths.home, 'scratch'),
    timeoutSeconds: runCode.timeoutSeconds,
    maxOutputBytes: runCode.maxOutputBytes,
    memoryMb: runCode.memoryMb,
    python: runCode.python,
    allowUnsandboxed: runCode.allowUnsandboxed,
    now: () => deps.clock.now(),
  });
}

const factory: ToolFactory = (deps) => createRunCodeTool(deps);
export default factory;
