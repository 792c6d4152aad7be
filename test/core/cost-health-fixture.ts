import { type CostHealthOptions, type CostHealthServices, installCostHealth } from '../../core/cost-health-services.js';
import { silentLogger } from '../../core/logger.js';
import { Runtime } from '../../core/runtime.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { clockFrom } from '../fakes/clock.js';
import { FakeOllama } from '../fakes/ollama.js';
import { tempDir, testConfig, testPaths } from '../helpers.js';

type Overrides = Parameters<typeof testConfig>[0];

/** A whole Runtime with costs and health installed, a fake platform (telegram-named) and a fake Ollama. */
export async function startCostHealth(overrides: Overrides = {}, options: Partial<CostHealthOptions> = {}) {
  const dir = tempDir();
  const ollama = await new FakeOllama().start();
  const config = testConfig({
    timeZone: 'Europe/Berlin',
    storage: { synchronous: 'NORMAL' },
    access: { admins: ['telegram:owner'], allowedUsers: { telegram: ['friend'], discord: [], slack: [] } },
    ollama: { host: ollama.host },
    ...overrides,
  });
  const paths = testPaths(dir.path);
  // Noon in Berlin on a fixed day: the day and the month cannot turn while a test runs.
  const logger = silentLogger();
  const runtime = new Runtime({ config, paths, logger, clock: clockFrom('2026-11-23T11:00:00Z') });
  const adapter = new FakeChatAdapter('telegram');
  runtime.addAdapter(adapter);
  const services: CostHealthServices = await installCostHealth(runtime, {
    config,
    logger,
    paths,
    version: '9.9.9-test',
    http: false,
    vitals: { thermalFile: `${dir.path}/no-thermal`, vcgencmd: `${dir.path}/no-vcgencmd` },
    ...options,
  });
  await runtime.start();
  /** A user sends `text`; resolves with the replies of that task once delivered. */
  const ask = async (text: string, userId = 'owner') => {
    const before = adapter.sent.length;
    const result = await adapter.receive(text, { user: { id: userId, name: userId } });
    if (result.status === 'refused') throw new Error(`intake refused: ${result.reason}`);
    await runtime.intake.whenAnswered(result.taskId);
    return { taskId: result.taskId, replies: adapter.sent.slice(before) };
  };
  return {
    dir,
    ollama,
    config,
    paths,
    runtime,
    adapter,
    services,
    ask,
    async close() {
      await runtime.stop(2000);
      await ollama.close();
      dir.remove();
    },
  };
}
