import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import type { Clock } from '../../core/lib/clock.js';
import type { Runtime as RuntimeType } from '../../core/runtime.js';
import { Runtime } from '../../core/runtime.js';
import { openDatabase } from '../../storage/db.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { quietLogger, tempDir, testConfig, testPaths } from '../helpers.js';

type Overrides = Parameters<typeof testConfig>[0];

/** A Runtime on a temp data dir with a fake chat platform, for engine-level tests. */
export async function startRuntime(
  options: {
    config?: Overrides;
    clock?: Clock;
    dir?: string;
    owner?: string;
    route?: Parameters<RuntimeType['setRouteHandler']>[0];
    /** Configured secret values (the secrets rule pack redacts them). */
    secrets?: string[];
  } = {},
) {
  const temp = options.dir ? undefined : tempDir();
  const root = options.dir ?? (temp?.path as string);
  const config: Config = testConfig({ access: { admins: ['fake:owner'] }, ...options.config });
  const paths = testPaths(root);
  const runtime = new Runtime({
    config,
    paths,
    logger: quietLogger(),
    db: openDatabase(join(paths.home, 'pie-brain.db'), { synchronous: 'NORMAL' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  const adapter = new FakeChatAdapter('fake');
  runtime.addAdapter(adapter);
  if (options.route) runtime.setRouteHandler(options.route);
  await runtime.start();
  return {
    runtime,
    adapter,
    root,
    async close() {
      await runtime.stop(1000);
      temp?.remove();
    },
  };
}
