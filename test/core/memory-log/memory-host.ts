import { join } from 'node:path';
import type { Config, Paths } from '../../../core/config.js';
import type { Reply } from '../../../core/contracts/messages.js';
import type { Clock } from '../../../core/lib/clock.js';
import { installMemoryLog } from '../../../core/memory-log/install.js';
import type { MemoryEvent, MemoryLog } from '../../../core/memory-log/memory-log.js';
import { installRouter } from '../../../core/router/install.js';
import { Runtime } from '../../../core/runtime.js';
import { closeNoteStore, openNoteStore } from '../../../tools/lib/open-memory.js';
import { createMemoryTool } from '../../../tools/memory.js';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import { clockFrom } from '../../fakes/clock.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { TINY_MODEL, TINY_MODELS_DIR } from '../../fixtures/tiny-embedder.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../../helpers.js';

export const START = '2026-11-23T12:00:00Z';

export interface MemoryHostOptions {
  /** Reuse a data dir and brain dir (a restore, a restart). */
  root?: string;
  /** Values that must never be stored. */
  secrets?: string[];
  /** A memory model that is not installed: search by meaning cannot run. */
  model?: string;
  clock?: Clock;
}

/**
 * A running pie-brain in a test: the real memory tool (tiny fixture model) with the event log installed,
 * the router over a fake Ollama, and a fake Telegram where `owner` is an admin, `friend` an allowed user.
 */
export async function startMemoryHost(options: MemoryHostOptions = {}) {
  const temp = options.root ? undefined : tempDir('pie-brain-memlog-');
  const root = options.root ?? (temp?.path as string);
  const fake = await new FakeOllama().start();
  const config: Config = testConfig({
    ollama: { host: fake.host },
    router: { timeoutSeconds: 5 },
    access: { admins: ['telegram:owner'], allowedUsers: { telegram: ['friend'] } },
    memory: { embedder: 'transformers', model: options.model ?? TINY_MODEL, modelsDir: TINY_MODELS_DIR },
    timeZone: 'Europe/Berlin',
  });
  const paths: Paths = testPaths(root);
  const clock = options.clock ?? clockFrom(START);
  const runtime = new Runtime({ config, paths, logger: quietLogger(), clock });
  const log: MemoryLog = installMemoryLog(runtime, { home: paths.home, ...(options.secrets ? { secrets: options.secrets } : {}) });
  const memoryDeps = { config, paths, logger: quietLogger(), clock, memoryLog: log };
  runtime.tools.add(createMemoryTool(memoryDeps));
  installRouter(runtime, { config, paths, logger: quietLogger() });
  const adapter = new FakeChatAdapter('telegram');
  runtime.addAdapter(adapter);
  await runtime.start();

  let counter = 0;
  return {
    root,
    config,
    paths,
    runtime,
    log,
    fake,
    adapter,
    inbox: join(paths.brainDir, 'inbox'),
    store: () => openNoteStore(memoryDeps),
    /** Send a message as a user and wait for its answer; the reply and the task id. */
    /** `user` says `text` in the shared chat (chat-1) or in `chatId`; resolves with the answer. */
    async say(text: string, user = 'owner', chatId = 'chat-1'): Promise<{ taskId: number; reply: Reply }> {
      counter += 1;
      const result = await adapter.receive(text, {
        id: `${user}-${counter}-${Math.random()}`,
        user: { id: user, name: user },
        address: { platform: 'telegram', chatId },
      });
      if (result.status !== 'queued') throw new Error(`not queued: ${JSON.stringify(result)}`);
      await runtime.intake.whenAnswered(result.taskId);
      const row = runtime.outbox
        .forTask(result.taskId)
        .filter((r) => r.kind === 'reply')
        .at(-1);
      return { taskId: result.taskId, reply: row?.body as Reply };
    },
    /** Every event of the log, oldest first. */
    events(): MemoryEvent[] {
      return log.events.recent(null, 10_000).reverse();
    },
    async close(keep = false) {
      await runtime.stop(1000);
      await log.close();
      await closeNoteStore(openNoteStore(memoryDeps));
      await fake.close();
      if (!keep) temp?.remove();
    },
  };
}

export type MemoryHost = Awaited<ReturnType<typeof startMemoryHost>>;
