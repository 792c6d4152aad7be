import { join, resolve } from 'node:path';
import type { Config, Paths } from '../../core/config.js';
import type { Embedder } from '../../core/contracts/embedder.js';
import type { PieBrainError } from '../../core/errors.js';
import type { Clock } from '../../core/lib/clock.js';
import type { Logger } from '../../core/logger.js';
import { NoEmbedder } from './no-embedder.js';
import { NoteStore } from './note-store.js';
import { OllamaEmbedder } from './ollama-embedder.js';
import { TransformersEmbedder } from './transformers-embedder.js';

export interface MemoryDeps {
  config: Config;
  paths: Paths;
  logger: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** The embedder stopped (with the reason) or started working again (undefined); see NoteStoreOptions. */
  onEmbedderAvailability?: (problem: PieBrainError | undefined) => void;
}

/** memory.modelsDir, else $PIE_BRAIN_HOME/models. */
export function resolveModelsDir(config: Config, paths: Paths): string {
  return config.memory.modelsDir ? resolve(config.memory.modelsDir) : join(paths.home, 'models');
}

/** The embedder memory.embedder names: Ollama's /api/embed, transformers.js in process (opt-in), or none. */
export function createEmbedder(deps: MemoryDeps): Embedder {
  const { memory, ollama } = deps.config;
  if (memory.embedder === 'none') return new NoEmbedder();
  if (memory.embedder === 'ollama') {
    return new OllamaEmbedder({ host: ollama.host, model: memory.ollamaModel, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  }
  return new TransformersEmbedder({
    model: memory.model,
    modelsDir: resolveModelsDir(deps.config, deps.paths),
    idleUnloadMs: memory.idleUnloadMinutes * 60_000,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
}

const stores = new Map<string, NoteStore>();

/**
 * The note store of a data dir, created once per process: the memory tool, the arXiv tool's dedup
 * (as a `NoteIndex`) and compose.ts share it, so one model and one LanceDB connection serve them all.
 */
export function openNoteStore(deps: MemoryDeps): NoteStore {
  const dir = join(deps.paths.home, 'vectors');
  let store = stores.get(dir);
  if (!store) {
    store = new NoteStore({
      dir,
      embedder: createEmbedder(deps),
      dedupThreshold: deps.config.memory.dedupThreshold,
      inboxDir: join(deps.paths.brainDir, 'inbox'),
      logger: deps.logger,
      ...(deps.clock ? { now: () => (deps.clock as Clock).now() } : {}),
      ...(deps.onEmbedderAvailability ? { onAvailability: deps.onEmbedderAvailability } : {}),
    });
    stores.set(dir, store);
  }
  return store;
}

/** Close a shared store (shutdown, tests); the next `openNoteStore` of that dir makes a new one. */
export async function closeNoteStore(store: NoteStore): Promise<void> {
  for (const [dir, shared] of stores) if (shared === store) stores.delete(dir);
  await store.close();
}
