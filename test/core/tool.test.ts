import { describeToolContract, TYPICAL_SLASH_ARGS } from '../contracts/tool.js';
import { createTestTools } from '../fakes/tools.js';
import { toolContext } from '../tools/context.js';

// The doubles the router and dispatch tests use keep the promises of the real tools.
for (const tool of Object.values(createTestTools())) {
  describeToolContract(`${tool.name} (RecordingTool double)`, () => ({ tool, typicalArgs: TYPICAL_SLASH_ARGS, context: toolContext }));
}
