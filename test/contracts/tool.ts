import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isRestricted, PRIVILEGES } from '../../core/access.js';
import type { Tool, ToolContext, ToolResult } from '../../core/contracts/tool.js';
import { isPieBrainError } from '../../core/errors.js';

export interface ToolHarness {
  tool: Tool;
  /** For each slash command of the tool, an argument string a user would typically type after it. */
  typicalArgs: Readonly<Record<string, string>>;
  /** What dispatch hands the tool (an admin unless overridden). */
  context(overrides?: Partial<ToolContext>): ToolContext;
}

/** What a user typically types after each slash command pie-brain knows; a new command needs a line here. */
export const TYPICAL_SLASH_ARGS: Readonly<Record<string, string>> = {
  arxiv: '2411.01234v2',
  git: 'start notes fix-typo',
  memory: 'retrieval augmented generation on small devices',
  note: 'buy oat milk',
  run: 'python print(1 + 1)',
  runs: 'print',
};

/** Why params were turned down, or undefined when the tool's schema accepts them. */
function problemWith(tool: Tool, params: unknown): string | undefined {
  const checked = tool.params.safeParse(params);
  if (checked.success) return typeof params === 'object' && params !== null ? undefined : 'params must be an object';
  return checked.error.issues[0]?.message ?? '';
}

/** A refusal is a FORBIDDEN PieBrainError that says what would be needed; nothing ran. */
function expectRefusal(outcome: { result?: ToolResult; error?: unknown }): void {
  expect(outcome.result).toBeUndefined();
  expect(isPieBrainError(outcome.error) && outcome.error.code).toBe('FORBIDDEN');
  expect(isPieBrainError(outcome.error) && outcome.error.userMessage).toMatch(/needs the right to .*access\.grants/);
}

/**
 * The one contract every tool (each module of tools/, loaded by the real loader) runs: a snake_case name, a
 * one-line description the router can show, a zod params schema it enforces, slash commands whose arguments
 * become params that schema accepts (an empty argument is refused with a reason, or answered), and, for
 * a tool that needs more than every allowed user holds, a refusal for everybody else.
 */
export function describeToolContract(name: string, createHarness: () => ToolHarness): void {
  describe(`Tool contract: ${name}`, () => {
    const harness = createHarness();
    const { tool } = harness;

    it('has a snake_case name and a one-line description under 120 characters', () => {
      expect(tool.name).toMatch(/^[a-z_]+$/);
      expect(tool.description).toMatch(/^\S[^\n]*\S$/);
      expect(tool.description.length).toBeLessThan(120);
      expect(tool.privileges.length).toBeGreaterThan(0);
      for (const privilege of tool.privileges) expect(PRIVILEGES).toContain(privilege);
    });

    it('declares its params as a zod schema the router can describe, and enforces it', async () => {
      expect(tool.params).toBeInstanceOf(z.ZodType);
      expect(() => z.toJSONSchema(tool.params, { io: 'input' })).not.toThrow();
      await expect(tool.runLocal('not params', harness.context())).rejects.toThrow();
    });

    it('names each slash command and its usage', () => {
      for (const slash of tool.slashCommands) {
        expect(slash.command).toMatch(/^[a-z_]+$/);
        expect(slash.usage.startsWith(`/${slash.command}`), slash.usage).toBe(true);
      }
    });

    it('turns the typical argument of each slash command into params its schema accepts', () => {
      for (const slash of tool.slashCommands) {
        const args = harness.typicalArgs[slash.command];
        expect(args, `a typical argument for /${slash.command}`).toEqual(expect.any(String));
        expect(problemWith(tool, slash.toParams(args as string)), `/${slash.command} ${args}`).toBeUndefined();
      }
    });

    it('refuses an empty argument with a reason, or answers it (a usage line, a list)', async () => {
      for (const slash of tool.slashCommands) {
        let params: unknown;
        try {
          params = slash.toParams('');
        } catch (error) {
          expect(error instanceof Error && error.message, `/${slash.command} threw`).toMatch(/\S/);
          continue;
        }
        const problem = problemWith(tool, params);
        if (problem !== undefined) {
          expect(problem, `/${slash.command} with no argument`).toMatch(/\S/);
          continue;
        }
        const answer = await tool.runLocal(params, harness.context());
        expect(answer.text, `/${slash.command} with no argument`).toMatch(/\S/);
      }
    });

    it.runIf(isRestricted(tool.privileges))('refuses a user without its privileges before anything runs', async () => {
      for (const slash of tool.slashCommands) {
        const params = slash.toParams(harness.typicalArgs[slash.command] ?? '');
        const outcome = await tool.runLocal(params, harness.context({ isAdmin: false })).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        expectRefusal(outcome);
      }
    });
  });
}
