// Supervisor overhead without model time: /plan of five steps with an Ollama that answers at once (an
// in-process fetch through the real `ollama` client), the stand-in tools, and a real SQLite file, where every
// step is written before it runs and after it ends. Prints JSON lines.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVILEGES } from '../core/access.js';
import { parseConfig } from '../core/config.js';
import type { TaskContext } from '../core/contracts/task.js';
import { addressOf } from '../core/contracts/task.js';
import { createTaskHandler } from '../core/engine/pipeline.js';
import { silentLogger } from '../core/logger.js';
import { createOllamaProvider, installRouter } from '../core/router/install.js';
import { Runtime } from '../core/runtime.js';
import { installSupervisor } from '../core/supervisor/install.js';
import { openDatabase, type Synchronous } from '../storage/db.js';
import { instantOllama } from './eval/instant-ollama.js';
import { createStandInTools } from './eval/stand-in-tools.js';

const STEPS = 5;
const PLANS = Number(process.env.BENCH_PLAN_ROUNDS ?? 40);

const PLAN = JSON.stringify({
  steps: Array.from({ length: STEPS }, (_, i) => ({
    tool_name: 'memory',
    params: { action: 'search', query: `topic ${i}` },
    handoff: false,
    reason: `search my notes ${i}`,
  })),
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function print(metric: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'plan', metric, value: Math.round(value * 1000) / 1000, unit, ...extra })}\n`);
}

async function measure(synchronous: Synchronous): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), 'pie-brain-bench-plan-'));
  const paths = { home: join(root, 'home'), brainDir: join(root, 'brain') };
  const config = parseConfig({ storage: { synchronous }, plan: { maxSteps: STEPS }, access: { admins: ['bench:owner'] } }).config;
  const runtime = new Runtime({
    config,
    paths,
    logger: silentLogger(),
    db: openDatabase(join(paths.home, 'pie-brain.db'), { synchronous }),
  });
  for (const tool of createStandInTools()) runtime.tools.add(tool);
  const routing = installRouter(runtime, {
    config,
    paths,
    logger: silentLogger(),
    llm: createOllamaProvider(
      runtime,
      config,
      instantOllama(() => PLAN),
    ),
  });
  installSupervisor(runtime, { config, logger: silentLogger(), routing });
  const handle = createTaskHandler({ commands: runtime.commands, route: () => routing.handler });
  const times: number[] = [];
  for (let i = 0; i <= PLANS; i += 1) {
    const text = `/plan search my notes for five topics ${i}`;
    const message = {
      id: `bench-${i}`,
      address: { platform: 'bench', chatId: 'bench' },
      user: { id: 'owner', name: 'Owner' },
      text,
      command: { name: 'plan', args: text.slice('/plan '.length) },
      receivedAt: runtime.clock.now(),
    };
    runtime.queue.enqueue(
      { platform: 'bench', chatId: 'bench', userId: 'owner', userName: 'Owner', platformMessageId: message.id, text, message },
      runtime.clock.now(),
    );
    const task = runtime.queue.claim('bench', runtime.clock.now(), 60_000);
    if (!task) throw new Error('could not claim the bench task');
    const ctx: TaskContext = {
      task,
      message,
      address: addressOf(task),
      actor: { platform: 'bench', userId: 'owner', isAdmin: true, privileges: new Set(PRIVILEGES), budgetShare: null },
      isAdmin: true,
      signal: new AbortController().signal,
      advance: (fields) => runtime.queue.advance(task.id, 'bench', fields, runtime.clock.now()),
      trace: (type, detail = {}) => runtime.queue.record({ taskId: task.id, at: runtime.clock.now(), type, ...detail }),
      progress: () => {},
      extendDeadline: () => {},
      refundAttempt: () => {},
      detached: (work) => work,
    };
    const started = performance.now();
    const reply = await handle(ctx);
    // The first plan warms the code paths up and is not counted.
    if (i > 0) times.push(performance.now() - started);
    if (!reply.text.includes(`${STEPS} of ${STEPS} steps done`)) throw new Error(`a plan did not finish: ${reply.text}`);
  }
  await runtime.stop(0);
  rmSync(root, { recursive: true, force: true });
  return times;
}

async function main(): Promise<void> {
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    const times = await measure(synchronous);
    print('plan_p50_ms', percentile(times, 50), 'ms', { steps: STEPS, plans: times.length, synchronous });
    print('plan_p99_ms', percentile(times, 99), 'ms', { steps: STEPS, plans: times.length, synchronous });
    print('step_overhead_ms', percentile(times, 50) / STEPS, 'ms', { steps: STEPS, synchronous });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench plan failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
