import { fileURLToPath } from 'node:url';
import { loadToolFolder, type ToolLoadReport } from '../core/engine/tool-loading.js';
import type { ToolRegistry } from '../core/engine/tool-registry.js';
import type { ToolDeps } from './base.js';

/**
 * This folder: dist/tools when compiled, tools/ under vitest. Every file here except base.* and index.*
 * is a tool module (one default-exported ToolFactory each); helpers that are not tools live in tools/lib/,
 * which the loader does not scan.
 */
export const TOOLS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Fill the registry with every tool of tools/ (compose.ts calls this once at start-up). */
export function loadTools(deps: ToolDeps, registry: ToolRegistry, dir: string = TOOLS_DIR): Promise<ToolLoadReport> {
  return loadToolFolder(dir, deps, registry, deps.logger);
}
