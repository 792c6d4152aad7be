import type { Config } from '../../../core/config.js';
import type { Reply } from '../../../core/contracts/messages.js';
import { installCostHealth } from '../../../core/cost-health-services.js';
import { createPaidModels } from '../../../core/llm/paid-models.js';
import { silentLogger } from '../../../core/logger.js';
import { installRouter } from '../../../core/router/install.js';
import { Runtime } from '../../../core/runtime.js';
import { FakeAnthropic } from '../../fakes/anthropic.js';
import { FakeChatAdapter } from '../../fakes/chat-adapter.js';
import { FakeClock } from '../../fakes/clock.js';
import { FakeOllama } from '../../fakes/ollama.js';
import { tempDir, testConfig, testPaths } from '../../helpers.js';

type Overrides = Parameters<typeof testConfig>[0];

/** A user allowed to spend by a grant (not an admin). */
export const PAYER = 'payer';
/** An allowed user with no grant: reads and writes notes, spends nothing. */
export const FRIEND = 'friend';

/**
 * pie-brain as main.ts composes it, with the local model down (Ollama's port is closed), the Anthropic API
 * faked, real costs and health (SQLite spend gate, ledger, response cache, /cost), on a clock the test moves.
 */
export async function startCloudChatHost(overrides: Overrides = {}) {
  const dir = tempDir('pie-brain-cloud-chat-');
  // Ollama is down: its port answers nothing.
  const ollama = await new FakeOllama().start();
  const ollamaHost = ollama.host;
  await ollama.close();
  const api = new FakeAnthropic();
  await api.start();
  const config: Config = testConfig({
    timeZone: 'Europe/Berlin',
    storage: { synchronous: 'NORMAL' },
    queue: { maxAttempts: 1 },
    access: {
      admins: ['telegram:owner'],
      allowedUsers: { telegram: [FRIEND], discord: [], slack: [] },
      grants: [{ user: `telegram:${PAYER}`, privileges: ['spend'], budgetShare: 0.2 }],
    },
    ollama: { host: ollamaHost },
    anthropic: { baseUrl: api.url },
    ...overrides,
    router: { cloudChat: true, timeoutSeconds: 2, ...overrides.router },
  });
  const paths = testPaths(dir.path);
  const clock = new FakeClock('2026-11-23T11:00:00Z');
  const runtime = new Runtime({ config, paths, logger: silentLogger(), clock });
  const adapter = new FakeChatAdapter('telegram');
  runtime.addAdapter(adapter);
  const costs = await installCostHealth(runtime, {
    config,
    logger: runtime.options.logger,
    paths,
    version: '9.9.9-test',
    http: false,
    vitals: { thermalFile: `${dir.path}/no-thermal`, vcgencmd: `${dir.path}/no-vcgencmd` },
  });
  const paid = await createPaidModels(runtime, config, costs, 'sk-ant-test-key');
  installRouter(runtime, { config, paths, logger: silentLogger(), ...(paid.chat ? { paid: paid.chat } : {}) });
  await runtime.start();
  return {
    api,
    clock,
    config,
    runtime,
    costs,
    paid,
    /** `userId` writes `text` in `chatId`; resolves with the task's id once it is queued. */
    async submit(text: string, options: { userId?: string; chatId?: string } = {}): Promise<number> {
      const userId = options.userId ?? 'owner';
      const result = await adapter.receive(text, {
        user: { id: userId, name: userId },
        address: { platform: 'telegram', chatId: options.chatId ?? 'chat-1' },
      });
      if (result.status === 'refused') throw new Error(`intake refused: ${result.reason}`);
      return result.taskId;
    },
    /** The task's reply, once it is answered. */
    async replyOf(taskId: number): Promise<Reply> {
      await runtime.intake.whenAnswered(taskId);
      const replies = runtime.outbox.forTask(taskId).filter((row) => row.kind === 'reply');
      return replies.at(-1)?.body as Reply;
    },
    /** `userId` writes `text` in `chatId`; resolves with the task's id and its reply once answered. */
    async ask(text: string, options: { userId?: string; chatId?: string } = {}): Promise<{ taskId: number; reply: Reply }> {
      const taskId = await this.submit(text, options);
      return { taskId, reply: await this.replyOf(taskId) };
    },
    /** Alerts posted to the admins, in order. */
    alerts(): string[] {
      return runtime.db
        .prepare(`SELECT body FROM outbox WHERE kind = 'alert' ORDER BY id`)
        .all()
        .map((row) => (JSON.parse((row as { body: string }).body) as Reply).text);
    },
    async close() {
      await runtime.stop(2000);
      await api.stop();
      dir.remove();
    },
  };
}

export type CloudChatHost = Awaited<ReturnType<typeof startCloudChatHost>>;
