// What recording costs and what a replay takes: the labelled routing requests run through the whole pipeline
// (runtime, router, dispatch, delivery) with an Ollama that answers at once, then each task is replayed from
// its recording. Prints JSON lines: trace bytes per task and the share of them the recording adds, replay time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../core/config.js';
import type { ChatAdapter, Intake } from '../core/contracts/chat-adapter.js';
import { silentLogger } from '../core/logger.js';
import { compareReplay } from '../core/replay/compare-replay.js';
import { readRecording } from '../core/replay/recording.js';
import { replayTask } from '../core/replay/replay-task.js';
import { createOllamaProvider, installRouter } from '../core/router/install.js';
import { Runtime } from '../core/runtime.js';
import { openDatabase } from '../storage/db.js';
import { loadRoutingCases } from './eval/routing-cases.js';
import { createStandInTools } from './eval/stand-in-tools.js';
import { percentile, report } from './report.js';

// Fields the recording adds to trace steps that existed before it.
const RECORDING_FIELDS = ['key', 'inputs', 'output', 'params', 'cacheKey', 'error'];

/** Routing calls go to the memory tool (or chat, one in three); chat calls get a short answer. */
function instantOllama(): typeof fetch {
  let n = 0;
  return async (_input, init) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as { model: string; format?: unknown; messages: Array<{ content: string }> };
    n += 1;
    const request = body.messages.at(-1)?.content.split('Request:\n').at(-1) ?? '';
    const decision =
      n % 3 === 0 ? { tool_name: 'chat', params: {} } : { tool_name: 'memory', params: { action: 'search', query: request.slice(0, 60) } };
    const content = body.format ? JSON.stringify({ ...decision, handoff: false, reason: 'bench' }) : 'A short answer from the model.';
    const reply = { model: body.model, message: { role: 'assistant', content }, done: true, prompt_eval_count: 900, eval_count: 30 };
    return new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

/** A platform that accepts every message at once. */
function sink(): ChatAdapter {
  let sent = 0;
  return {
    platform: 'bench',
    capabilities: { edit: false, threads: true, images: false, typing: false, maxLength: 4000 },
    start: async (_intake: Intake) => {},
    stop: async () => {},
    send: async () => {
      sent += 1;
      return { messageId: String(sent) };
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pie-brain-bench-replay-'));
  const paths = { home: join(dir, 'home'), brainDir: join(dir, 'brain') };
  const { config } = parseConfig({ access: { admins: ['bench:owner'] }, router: { cacheMaxEntries: 0 }, costs: { footer: false } });
  const runtime = new Runtime({
    config,
    paths,
    logger: silentLogger(),
    db: openDatabase(join(paths.home, 'pie-brain.db'), { synchronous: 'NORMAL' }),
  });
  try {
    const tools = createStandInTools();
    for (const tool of tools) runtime.tools.add(tool);
    installRouter(runtime, { config, paths, logger: silentLogger(), llm: createOllamaProvider(runtime, config, instantOllama()) });
    runtime.addAdapter(sink());
    await runtime.start();
    const cases = loadRoutingCases();
    const taskIds: number[] = [];
    for (const [index, item] of cases.entries()) {
      const result = await runtime.intake.submit({
        id: `m${index}`,
        address: { platform: 'bench', chatId: 'c', threadId: `t${index}` },
        user: { id: 'owner', name: 'Owner' },
        text: item.text,
        receivedAt: runtime.clock.now(),
      });
      if (result.status === 'refused') throw new Error('intake refused a bench message');
      await runtime.intake.whenAnswered(result.taskId);
      taskIds.push(result.taskId);
    }

    let total = 0;
    let added = 0;
    for (const row of runtime.db.prepare('SELECT data FROM task_events WHERE data IS NOT NULL').all() as Array<{ data: string }>) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      total += row.data.length;
      for (const field of RECORDING_FIELDS) delete data[field];
      added += row.data.length - JSON.stringify(data).length;
    }
    report('replay', 'trace_bytes_per_task', total / taskIds.length, 'bytes', { tasks: taskIds.length });
    report('replay', 'recording_bytes_per_task', added / taskIds.length, 'bytes', { tasks: taskIds.length });

    const times: number[] = [];
    let identical = 0;
    for (const taskId of taskIds) {
      const started = performance.now();
      const recording = readRecording(runtime.queue, runtime.outbox, taskId);
      if (!recording) continue;
      const run = await replayTask(recording, {
        config,
        paths,
        tools,
        policy: runtime.policy,
        history: { queue: runtime.queue, outbox: runtime.outbox },
        clock: runtime.clock,
        logger: silentLogger(),
      });
      if (compareReplay(recording, run, 'recording').verdict === 'identical') identical += 1;
      times.push(performance.now() - started);
    }
    report('replay', 'replay_p50_ms', percentile(times, 50), 'ms', { tasks: times.length });
    report('replay', 'replay_p99_ms', percentile(times, 99), 'ms', { tasks: times.length });
    report('replay', 'identical_share', (100 * identical) / taskIds.length, '%', { tasks: taskIds.length });
  } finally {
    await runtime.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench replay failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
