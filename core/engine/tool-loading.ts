import type { Tool } from '../contracts/tool.js';
import { loadFolderModules } from '../lib/module-loader.js';
import type { Logger } from '../logger.js';
import type { ToolRegistry } from './tool-registry.js';

/** What happened to each module of the tools folder at start-up. */
export interface ToolLoadReport {
  /** Names of the tools added to the registry. */
  loaded: string[];
  /** Modules that gave no tool: not configured (the factory returned null), or broken (it threw). */
  skipped: Array<{ file: string; reason: string }>;
}

function isTool(value: unknown): value is Tool {
  const tool = value as Partial<Tool> | null;
  return (
    typeof tool === 'object' &&
    tool !== null &&
    typeof tool.name === 'string' &&
    tool.name.length > 0 &&
    typeof tool.description === 'string' &&
    typeof tool.runLocal === 'function' &&
    typeof tool.params?.parse === 'function' &&
    Array.isArray(tool.slashCommands)
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Load every module of a tools folder, call its default-exported factory with `deps`, and add the tools it
 * returns to the registry. Core only knows the folder's path (compose.ts passes it), never the tools themselves.
 * A module that throws or returns something that is not a tool is skipped and logged: one broken tool must
 * not keep the assistant from starting.
 */
export async function loadToolFolder(dir: string, deps: unknown, registry: ToolRegistry, logger: Logger): Promise<ToolLoadReport> {
  const report: ToolLoadReport = { loaded: [], skipped: [] };
  const skip = (file: string, reason: string, error?: unknown) => {
    report.skipped.push({ file, reason });
    if (error === undefined) logger.info({ file, reason }, 'tool module skipped');
    else logger.error({ file, err: error }, `tool module skipped: ${reason}`);
  };
  let modules: Array<{ file: string; value: unknown }>;
  try {
    modules = await loadFolderModules<unknown>(dir);
  } catch (error) {
    skip(dir, `the tools folder could not be loaded: ${describeError(error)}`, error);
    return report;
  }
  for (const { file, value } of modules) {
    if (typeof value !== 'function') {
      skip(file, 'its default export is not a tool factory', new TypeError(`${file}: default export is ${typeof value}`));
      continue;
    }
    let made: unknown;
    try {
      made = await (value as (deps: unknown) => unknown)(deps);
    } catch (error) {
      skip(file, `its factory failed: ${describeError(error)}`, error);
      continue;
    }
    if (made === null || made === undefined) {
      skip(file, 'not configured');
      continue;
    }
    for (const tool of Array.isArray(made) ? made : [made]) {
      if (!isTool(tool)) {
        skip(file, 'its factory returned something that is not a tool', new TypeError(`${file}: not a tool`));
        continue;
      }
      try {
        registry.add(tool);
        report.loaded.push(tool.name);
      } catch (error) {
        skip(file, describeError(error), error);
      }
    }
  }
  return report;
}
