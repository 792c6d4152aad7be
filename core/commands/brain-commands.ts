import { budgetRefusalReply, type HandoffRequest } from '../contracts/handoff.js';
import type { Reply } from '../contracts/messages.js';
import { addressOf } from '../contracts/task.js';
import { describeForUser, isPieBrainError } from '../errors.js';
import type { BrainRegistry } from '../handoff/brain-registry.js';
import type { HandoffContext } from '../handoff/harness.js';
import type { Command, CommandTable } from './command-table.js';

/** Lists every brain with what detection says, marking the active one and the fallback order. */
export async function describeBrains(brains: BrainRegistry): Promise<string> {
  const active = brains.activeName();
  const lines = [`*Cloud brains* (active: ${active})`];
  for (const brain of brains.list()) {
    const detection = await brains.detect(brain.name, true);
    const state = detection.available ? 'available' : 'unavailable';
    const version = detection.version ? ` ${detection.version}` : '';
    lines.push(`- ${brain.name}${brain.name === active ? ' (active)' : ''}: ${state}${version}; ${detection.detail}`);
  }
  if (!brains.get(active)) lines.push(`- ${active} (active): no such brain is installed in brains/`);
  lines.push('', `Fallback order: ${brains.fallback.join(', ') || 'none'}. Switch with \`/brain use <name>\`.`);
  return lines.join('\n');
}

/**
 * `/brain` (admin): list the brains with their availability, `/brain use <name>` switches the active one.
 * `/handoff <request>`: straight to the active brain, skipping the router.
 */
export function registerBrainCommands(
  table: CommandTable,
  deps: { brains: BrainRegistry; handoff: (request: HandoffRequest, ctx: HandoffContext) => Promise<Reply> },
): void {
  const brain: Command = {
    name: 'brain',
    description: 'list the cloud brains, or switch the active one',
    usage: '/brain [use <name>]',
    options: [
      { name: 'action', description: 'use, to switch the active brain', type: 'string', choices: ['use'] },
      { name: 'name', description: 'the brain to switch to', type: 'string' },
    ],
    privileges: ['operate'],
    run: async ({ args }) => {
      const [verb, name] = args.trim().split(/\s+/);
      if (!verb) return { text: await describeBrains(deps.brains) };
      if (verb !== 'use' || !name) return { text: 'Usage: `/brain` lists the brains, `/brain use <name>` switches.' };
      try {
        deps.brains.use(name);
      } catch (error) {
        if (isPieBrainError(error)) return { text: describeForUser(error) };
        throw error;
      }
      const detection = await deps.brains.detect(name, true);
      const warning = detection.available ? '' : ` It is unavailable right now (${detection.detail}), so the fallback brains will answer.`;
      return { text: `The active cloud brain is now ${name}.${warning}` };
    },
  };
  const handoff: Command = {
    name: 'handoff',
    description: 'send a request straight to the active cloud brain',
    usage: '/handoff <request>',
    options: [{ name: 'request', description: 'what the cloud brain should do', type: 'string', required: true }],
    // Running code and changing a repository depend on the brain and the target: the handoff checks those itself.
    privileges: ['spend'],
    run: ({ task, args, actor, signal, extendDeadline, refundAttempt, detached }) => {
      if (!args.trim()) return { text: 'Usage: `/handoff <request>`, for example `/handoff add tests for the parser in my-repo`.' };
      return deps
        .handoff(
          { prompt: args, reason: '/handoff' },
          { task, address: addressOf(task), actor, signal, extendDeadline, refundAttempt, detached },
        )
        .catch((error: unknown) => {
          const refusal = budgetRefusalReply(error, task.id);
          if (refusal) return refusal;
          throw error;
        });
    },
  };
  table.register(brain);
  table.register(handoff);
}
