import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Brain, BrainJob, BrainOutputs, BrainResult, BrainUsage } from '../../core/contracts/brain.js';

/** The runs every brain's harness can record: a success, an error the brain reports, a crash with no result. */
export type RecordedRun = 'success' | 'error' | 'crash';

export interface BrainHarness {
  brain: Brain;
  /** A folder the brain's command may run in. */
  cwd: string;
  /** The API key the brain was given: it may reach the child's environment, never its argv. */
  secret: string;
  /** Run the brain's own command for `prompt` against its fake CLI or API, to its end, as the harness would. */
  run(prompt: string): Promise<BrainOutputs>;
  /** The prompt the fake CLI or API received in the last run (for a CLI: its argv text and stdin, as it joins them). */
  lastPrompt(): string | undefined;
  /**
   * What the program did with the last run's text besides handing it to a model, as the real CLI would (the
   * fakes reproduce what was measured): ran it as its own command, read a file it named, fetched a URL, failed
   * on it as an option. Empty for a plain API call.
   */
  hazards(): string[];
  /** What a finished run of each kind left in its files. */
  record(kind: RecordedRun): Promise<BrainOutputs>;
  close(): Promise<void>;
}

/**
 * The forms a CLI reads as its own command, option or file to read (measured with aider 0.86 and Claude Code
 * 2.1): slash and in-chat commands and their prefixes, shell escapes, nested commands, `@` file mentions
 * anywhere, text that starts with a dash, a URL.
 */
export const CLI_COMMAND_PROMPTS = [
  '/run id > /tmp/pwned',
  '!id',
  '/ru x',
  '/git status; touch x',
  '/save /tmp/x',
  '/read-only /etc/passwd',
  '/ask /run id',
  '/code !id',
  '/config model=haiku',
  'please summarise @/etc/passwd and @~/.ssh/id_rsa for me',
  '--help me',
  'read https://example.com/a-page and tell me',
];

/** Prompts a shell would mangle, and the CLI forms above: each must reach the model as text, whole. */
export const HOSTILE_PROMPTS = [
  '$(rm -rf /) `whoami`; echo pwned | tee /tmp/x && exit 1',
  `it's "double" and 'single' quoted \\ with a backslash`,
  'first line\nsecond line\n\nafter a blank line',
  '--model=evil -v starts with a dash',
  '*.ts ~ $HOME %PATH% 🎉',
  ...CLI_COMMAND_PROMPTS,
];

/** Text as a model reads it: zero-width spaces (which break `@` mentions) aside. */
export function visibleText(text: string): string {
  return text.replaceAll('\u200b', '');
}

function job(harness: BrainHarness, prompt: string): BrainJob {
  return { taskId: 1, prompt, cwd: harness.cwd, runDir: harness.cwd, maxBudgetUsd: 1 };
}

function expectUsage(usage: BrainUsage): void {
  for (const count of [usage.inputTokens, usage.outputTokens, usage.cacheReadTokens, usage.cacheWriteTokens]) {
    expect(Number.isInteger(count) && count >= 0, `token count ${count}`).toBe(true);
  }
}

function expectResult(result: BrainResult, isError: boolean): void {
  expect(result.isError).toBe(isError);
  expect(result.text).toMatch(/\S/);
  expect(Number.isFinite(result.costUsd) && result.costUsd >= 0, `cost ${result.costUsd}`).toBe(true);
  expect(typeof result.costKnown).toBe('boolean');
  expectUsage(result.usage);
}

/** Lines no brain may choke on, nor read anything into. */
const GARBAGE_LINES = [
  '',
  '   ',
  'not json at all',
  '{',
  '{"type":',
  '[1, 2, 3]',
  'null',
  '42',
  '"a string"',
  '\u0000\u001b[31mred\u001b[0m',
  'x'.repeat(100_000),
];

/**
 * The one contract every brain (each module of brains/, loaded through the BrainRegistry) runs: its command
 * is an argv array that carries the prompt as one untouched argument and no secret; its result parser turns a
 * success, a reported error and a crash into a result with a text, a cost and a usage; its progress parser
 * ignores garbage without throwing.
 */
export function describeBrainContract(name: string, createHarness: () => Promise<BrainHarness>): void {
  describe(`Brain contract: ${name}`, () => {
    let harness: BrainHarness;

    beforeAll(async () => {
      harness = await createHarness();
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('implements specification v1 and names itself', () => {
      expect(harness.brain.specificationVersion).toBe('v1');
      expect(harness.brain.name).toMatch(/^[a-z][a-z-]*$/);
    });

    it('builds an argv command (no shell) in the job folder, with no secret in its arguments', () => {
      const command = harness.brain.buildCommand(job(harness, 'summarise the README'));
      expect(command.file).toMatch(/\S/);
      expect(command.file).not.toMatch(/(^|\/)(ba|da|z|k)?sh$|cmd(\.exe)?$/);
      expect(Array.isArray(command.args)).toBe(true);
      for (const arg of command.args) expect(typeof arg).toBe('string');
      expect(command.cwd).toBe(harness.cwd);
      expect(command.env).toEqual(expect.any(Object));
      for (const value of Object.values(command.env ?? {})) expect(typeof value).toBe('string');
      expect(command.args.join('\n')).not.toContain(harness.secret);
    });

    it.each(HOSTILE_PROMPTS)('hands the prompt over as data, whole, in one place: %j', async (prompt) => {
      const { args, stdin } = harness.brain.buildCommand(job(harness, prompt));
      const carriers = args.filter((arg) => visibleText(arg).includes(prompt));
      const onStdin = stdin !== undefined && visibleText(stdin).includes(prompt);
      expect(carriers.length + (onStdin ? 1 : 0)).toBe(1);
      const [carrier] = carriers;
      // In argv: the argument itself (after "--" when it would read as an option) or an option's `--name=` value.
      if (carrier === prompt) {
        if (prompt.startsWith('-')) expect(args.slice(0, args.indexOf(carrier))).toContain('--');
      } else if (carrier !== undefined) expect(carrier).toMatch(/^--[a-z-]+=/);
      await harness.run(prompt);
      expect(visibleText(harness.lastPrompt() ?? '').endsWith(prompt)).toBe(true);
      expect(harness.hazards()).toEqual([]);
    });

    it('reads a successful run: its answer, cost and usage', async () => {
      const result = harness.brain.parseResult(await harness.record('success'));
      expectResult(result, false);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    });

    it('reads a run that reported an error as an error, with its reason', async () => {
      expectResult(harness.brain.parseResult(await harness.record('error')), true);
    });

    it('reads a run that crashed before its result as an error', async () => {
      expectResult(harness.brain.parseResult(await harness.record('crash')), true);
    });

    it('reads a run that left nothing behind (its exit code lost in a restart) as an error', () => {
      expectResult(harness.brain.parseResult({ stdout: '', stderr: '', exitCode: null }), true);
    });

    it('ignores garbage lines of progress without throwing, and reads real ones without throwing', async () => {
      for (const line of GARBAGE_LINES) expect(harness.brain.parseProgress(line), JSON.stringify(line.slice(0, 40))).toBeUndefined();
      const recorded = await harness.record('success');
      for (const line of recorded.stdout.split('\n')) {
        const progress = harness.brain.parseProgress(line);
        if (progress?.usage) expectUsage(progress.usage);
        if (progress?.costUsd !== undefined) expect(progress.costUsd).toBeGreaterThanOrEqual(0);
      }
    });
  });
}
