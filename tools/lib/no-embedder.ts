import type { Embedder } from '../../core/contracts/embedder.js';
import { PieBrainError } from '../../core/errors.js';

/** memory.embedder: none. Notes are still written and arXiv papers matched by ID; search by meaning is off. */
export class NoEmbedder implements Embedder {
  readonly id = 'none';

  isLoaded(): boolean {
    return false;
  }

  async unload(): Promise<void> {}

  async embed(): Promise<Float32Array[]> {
    throw new PieBrainError('MODEL_MISSING', 'memory.embedder is none', {
      userMessage: 'search by meaning is off (memory.embedder: none in config.yaml; set it to ollama to turn it on).',
    });
  }
}
