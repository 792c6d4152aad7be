import type { ToolContext } from '../../core/contracts/tool.js';
import { quietLogger, testActor } from '../helpers.js';

/** What dispatch hands a tool, for tests: the owner in a console chat, an admin unless told otherwise. */
export function toolContext(overrides: Partial<ToolContext> = {}): ToolContext & { progressed: string[] } {
  const progressed: string[] = [];
  const admin = overrides.isAdmin ?? true;
  return {
    actor: testActor({ admin }),
    taskId: 1,
    user: { id: 'owner', name: 'Owner' },
    address: { platform: 'fake', chatId: 'chat-1' },
    isAdmin: true,
    signal: new AbortController().signal,
    logger: quietLogger(),
    progress: (text) => progressed.push(text),
    progressed,
    ...overrides,
  };
}
