import type { AccessPolicy } from '../../../core/access.js';
import type { HandoffHandler } from '../../../core/contracts/handoff.js';
import type { Tool } from '../../../core/contracts/tool.js';
import type { LlmProvider } from '../../../core/llm/provider.js';
import { compareReplay, type ReplayReport } from '../../../core/replay/compare-replay.js';
import { type Recording, readRecording } from '../../../core/replay/recording.js';
import { type ReplayRun, replayTask } from '../../../core/replay/replay-task.js';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import { quietLogger, waitFor } from '../../helpers.js';
import { createRouterHarness, type RouterHarness } from '../router/harness.js';

export interface ReplayHarness extends RouterHarness {
  adapter: FakeChatAdapter;
  /** Send a message on the fake platform; resolves with its task id and the reply's text once it is delivered. */
  say(text: string, threadId?: string): Promise<{ taskId: number; text: string }>;
  recording(taskId: number): Recording;
  /** Replay a recording with the harness's tools and config (or the given ones) and compare. */
  replay(
    recording: Recording,
    options?: { live?: LlmProvider; tools?: Tool[]; policy?: AccessPolicy },
  ): Promise<{ run: ReplayRun; report: ReplayReport }>;
}

/** A started runtime with the router, the test tools, a fake Ollama and a fake chat platform, to record tasks and replay them. */
export async function createReplayHarness(options: { handoff?: HandoffHandler } = {}): Promise<ReplayHarness> {
  const h = await createRouterHarness(options.handoff ? { handoff: options.handoff } : {});
  const adapter = new FakeChatAdapter('fake');
  h.runtime.addAdapter(adapter);
  await h.runtime.start();
  return Object.assign(h, {
    adapter,
    async say(text: string, threadId = 'thread-1') {
      const before = adapter.sent.length;
      const intake = await adapter.receive(text, { address: { platform: 'fake', chatId: 'chat-1', threadId } });
      if (intake.status === 'refused') throw new Error(`intake refused "${text}"`);
      const sent = await waitFor(
        () => adapter.sent.slice(before).find((m) => m.address.threadId === threadId),
        10_000,
        `a reply to "${text}"`,
      );
      return { taskId: intake.taskId, text: sent.reply.text };
    },
    recording(taskId: number) {
      const found = readRecording(h.runtime.queue, h.runtime.outbox, taskId);
      if (!found) throw new Error(`no task ${taskId}`);
      return found;
    },
    async replay(recording: Recording, replayOptions: { live?: LlmProvider; tools?: Tool[]; policy?: AccessPolicy } = {}) {
      const run = await replayTask(recording, {
        config: h.config,
        paths: h.paths,
        tools: replayOptions.tools ?? Object.values(h.tools),
        policy: replayOptions.policy ?? h.runtime.policy,
        history: { queue: h.runtime.queue, outbox: h.runtime.outbox },
        clock: h.runtime.clock,
        logger: quietLogger(),
        ...(replayOptions.live ? { live: replayOptions.live } : {}),
      });
      return { run, report: compareReplay(recording, run, replayOptions.live ? 'live' : 'recording') };
    },
  });
}
