import { PlanSessionStore } from '../../storage/plan-sessions.js';
import type { Config } from '../config.js';
import type { NoteIndex } from '../contracts/note-index.js';
import type { Logger } from '../logger.js';
import type { RouterSetup } from '../router/install.js';
import type { Runtime } from '../runtime.js';
import { createPlanCommand } from './plan-command.js';
import { Planner } from './planner.js';
import { Supervisor } from './supervisor.js';

export interface InstallSupervisorOptions {
  config: Config;
  logger: Logger;
  /** The router: its local model, prompt prefix, catalog and view of the model's health are the planner's too. */
  routing: Pick<RouterSetup, 'llm' | 'router' | 'health'>;
  notes?: NoteIndex | undefined;
}

/** Build the planner and the supervisor over a runtime with its router installed, and register `/plan`. */
export function installSupervisor(
  runtime: Pick<Runtime, 'db' | 'tools' | 'clock' | 'commands'>,
  options: InstallSupervisorOptions,
): Supervisor {
  const { config, logger, routing } = options;
  const store = new PlanSessionStore(runtime.db);
  const planner = new Planner({
    tools: runtime.tools,
    llm: routing.llm,
    health: routing.health,
    prefix: () => routing.router.currentPrefix(),
    catalog: () => routing.router.catalog(),
    model: config.router.model,
    timeoutMs: config.plan.timeoutSeconds * 1000,
    maxSteps: config.plan.maxSteps,
    logger: logger.child({ part: 'planner' }),
  });
  const supervisor = new Supervisor({
    store,
    planner,
    tools: runtime.tools,
    notes: options.notes,
    clock: runtime.clock,
    taskTimeoutMs: config.engine.taskTimeoutSeconds * 1000,
    logger: logger.child({ part: 'supervisor' }),
  });
  runtime.commands.register(createPlanCommand({ supervisor, store, timeZone: config.timeZone }));
  return supervisor;
}
