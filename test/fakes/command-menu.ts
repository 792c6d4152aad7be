import { registerBuiltinCommands } from '../../core/commands/builtin-commands.js';
import { CommandTable } from '../../core/commands/command-table.js';
import type { MenuEntry } from '../../core/contracts/command.js';
import type { Engine } from '../../core/engine/engine.js';
import { ToolRegistry } from '../../core/engine/tool-registry.js';
import { openDatabase } from '../../storage/db.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { createTestTools } from './tools.js';

/** The menu an adapter publishes, from a real command table: the built-in commands and the test tools' commands. */
export function standardMenu(): MenuEntry[] {
  const table = new CommandTable();
  const queue = new SqliteTaskQueue(openDatabase(':memory:'));
  registerBuiltinCommands(table, {
    queue,
    engine: () => {
      throw new Error('a menu never runs a command');
    },
  } satisfies { queue: SqliteTaskQueue; engine: () => Engine });
  new ToolRegistry(Object.values(createTestTools()), table);
  return table.menu();
}
