import { mkdirSync, writeFileSync } from 'node:fs';
import type { Config, Paths } from '../../../core/config.js';
import type { HandoffHandler } from '../../../core/contracts/handoff.js';
import type { InboundMessage, Reply } from '../../../core/contracts/messages.js';
import type { TaskContext } from '../../../core/contracts/task.js';
import { addressOf } from '../../../core/contracts/task.js';
import { createTaskHandler } from '../../../core/engine/pipeline.js';
import type { Clock } from '../../../core/lib/clock.js';
import { installRouter, type RouterSetup } from '../../../core/router/install.js';
import { prefsPath } from '../../../core/router/prefs.js';
import { Runtime } from '../../../core/runtime.js';
import { FakeOllama, type RecordedChat } from '../../fakes/ollama.js';
import { createTestTools } from '../../fakes/tools.js';
import { inbound, quietLogger, tempDir, testActor, testConfig, testPaths } from '../../helpers.js';

export const ADMIN = 'fake:owner';

/** The request text of a recorded routing call (what follows the fixed instructions). */
export function routedRequest(chat: RecordedChat | undefined): string | undefined {
  const content = chat?.messages.at(-1)?.content;
  return content?.slice(content.lastIndexOf('Request:\n') + 'Request:\n'.length);
}

/** A routing answer as the model would give it. */
export function decisionJson(tool_name: string, params: Record<string, unknown> = {}, handoff = false, reason = 'test'): string {
  return JSON.stringify({ tool_name, params, handoff, reason });
}

export interface RouterHarness {
  fake: FakeOllama;
  runtime: Runtime;
  setup: RouterSetup;
  tools: ReturnType<typeof createTestTools>;
  config: Config;
  paths: Paths;
  writePrefs(text: string): void;
  /** What the engine does with a claimed task: a command from the table, or the route handler. */
  handle(ctx: TaskContext): Promise<Reply>;
  /** A queued task and a TaskContext for it, as the engine would build them. */
  task(text: string, overrides?: Partial<InboundMessage> & { isAdmin?: boolean }): TaskContext & { progressed: Reply[] };
  alerts(): string[];
  close(): Promise<void>;
}

/** A runtime (not started) with the test tools, the router installed, and a fake Ollama behind it. */
export async function createRouterHarness(
  options: { clock?: Clock; router?: Partial<Config['router']>; handoff?: HandoffHandler } = {},
): Promise<RouterHarness> {
  const fake = await new FakeOllama().start();
  const dir = tempDir();
  const paths = testPaths(dir.path);
  mkdirSync(paths.home, { recursive: true });
  const config = testConfig({
    ollama: { host: fake.host },
    router: { timeoutSeconds: 2, ...options.router },
    access: { admins: [ADMIN] },
  });
  const runtime = new Runtime({ config, paths, logger: quietLogger(), ...(options.clock ? { clock: options.clock } : {}) });
  const tools = createTestTools();
  for (const tool of Object.values(tools)) runtime.tools.add(tool);
  const setup = installRouter(runtime, { config, paths, logger: quietLogger(), ...(options.handoff ? { handoff: options.handoff } : {}) });
  let counter = 0;
  return {
    fake,
    runtime,
    setup,
    tools,
    config,
    paths,
    handle: createTaskHandler({ commands: runtime.commands, route: () => setup.handler }),
    writePrefs(text) {
      mkdirSync(`${paths.brainDir}/profile`, { recursive: true });
      writeFileSync(prefsPath(paths.brainDir), text);
    },
    task(text, overrides = {}) {
      const { isAdmin = true, ...rest } = overrides;
      const message = inbound(text, {
        address: { platform: 'fake', chatId: 'chat-1' },
        ...(isAdmin ? {} : { user: { id: 'friend', name: 'Friend' } }),
        ...rest,
      });
      counter += 1;
      const { taskId } = runtime.queue.enqueue(
        {
          platform: message.address.platform,
          chatId: message.address.chatId,
          threadId: message.address.threadId,
          userId: message.user.id,
          userName: message.user.name,
          platformMessageId: `${message.id}-${counter}`,
          text,
          message,
        },
        runtime.clock.now(),
      );
      const record = runtime.queue.claim('test', runtime.clock.now(), 60_000);
      if (!record || record.id !== taskId) throw new Error('could not claim the test task');
      const progressed: Reply[] = [];
      return {
        task: record,
        message,
        address: addressOf(record),
        actor: testActor({ admin: isAdmin, userId: message.user.id }),
        isAdmin,
        signal: new AbortController().signal,
        advance: (fields) => runtime.queue.advance(taskId, 'test', fields, runtime.clock.now()),
        trace: (type, detail = {}) => runtime.queue.record({ taskId, at: runtime.clock.now(), type, ...detail }),
        progress: (reply) => progressed.push(reply),
        extendDeadline: () => {},
        refundAttempt: () => runtime.queue.refundAttempt(taskId, 'test', runtime.clock.now()),
        detached: (work) => work,
        progressed,
      };
    },
    alerts() {
      return runtime.db
        .prepare(`SELECT body FROM outbox WHERE kind = 'alert' ORDER BY id`)
        .all()
        .map((row) => (JSON.parse((row as { body: string }).body) as Reply).text);
    },
    async close() {
      await fake.close();
      await runtime.stop(0);
      dir.remove();
    },
  };
}
