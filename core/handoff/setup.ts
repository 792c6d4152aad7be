import { registerBrainCommands } from '../commands/brain-commands.js';
import type { Config, Env, Paths } from '../config.js';
import type { HandoffHandler } from '../contracts/handoff.js';
import type { ModelChooser } from '../contracts/model-choice.js';
import type { RepoWorkflow } from '../contracts/repo-workflow.js';
import type { PriceBook, SpendGate } from '../contracts/spend.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime.js';
import { BrainRegistry } from './brain-registry.js';
import { guardHandoff } from './guarded-handoff.js';
import { HandoffHarness, type HandoffHarnessOptions } from './harness.js';

/** The parts of the runtime cloud runs are stored in, report through and register with. */
export type HandoffRuntime = Pick<
  Runtime,
  'clock' | 'kv' | 'db' | 'queue' | 'outbox' | 'ledger' | 'bus' | 'limits' | 'owner' | 'delivery' | 'rules' | 'commands' | 'onStop'
>;

export interface HandoffSetupOptions {
  runtime: HandoffRuntime;
  config: Config;
  paths: Paths;
  logger: Logger;
  /** The folder of brain modules (dist/brains, or brains/ under vitest). */
  brainsDir: string;
  /** The environment brains and their children start from. */
  env: Env;
  anthropicApiKey?: string | undefined;
  spend: SpendGate;
  prices?: PriceBook;
  /** For brains that choose their model (the Anthropic API). */
  models?: ModelChooser;
  git?: RepoWorkflow;
  /** Test knobs: how often runs are read, and how long they may linger. */
  timing?: Pick<HandoffHarnessOptions, 'tickMs' | 'finalGraceMs' | 'killGraceMs'>;
}

/**
 * Wire cloud brains into a runtime: load brains/, build the harness, register /brain and /handoff (prompts
 * checked by the rule packs first), and watch the runs a previous process left. Call before `runtime.start()`, so a surviving run keeps its place in line.
 */
export async function setupHandoff(
  options: HandoffSetupOptions,
): Promise<{ brains: BrainRegistry; harness: HandoffHarness; handler: HandoffHandler }> {
  const { runtime, env, config, paths, logger } = options;
  const brains = await BrainRegistry.load(
    options.brainsDir,
    {
      config,
      paths,
      logger: logger.child({ part: 'brains' }),
      clock: runtime.clock,
      env,
      ...(options.anthropicApiKey ? { anthropicApiKey: options.anthropicApiKey } : {}),
      ...(options.prices ? { prices: options.prices } : {}),
      ...(options.models ? { models: options.models } : {}),
    },
    { kv: runtime.kv, clock: runtime.clock, defaultName: config.brains.default, fallback: config.brains.fallback },
  );
  const harness = new HandoffHarness({
    config,
    paths,
    logger: logger.child({ part: 'handoff' }),
    clock: runtime.clock,
    db: runtime.db,
    queue: runtime.queue,
    outbox: runtime.outbox,
    ledger: runtime.ledger,
    bus: runtime.bus,
    cloud: runtime.limits.cloud,
    owner: runtime.owner,
    brains,
    spend: options.spend,
    ...(options.git ? { git: options.git } : {}),
    env,
    delivery: runtime.delivery,
    ...options.timing,
  });
  // Every prompt, from /handoff or the router, passes the rule packs before a brain sees it.
  const handler = guardHandoff((request, ctx) => harness.handle(request, ctx), runtime.rules);
  registerBrainCommands(runtime.commands, { brains, handoff: handler });
  runtime.onStop(() => harness.stop());
  harness.start();
  return { brains, harness, handler };
}
