import { isPieBrainError } from '../errors.js';

// What an embedder that cannot run raises: the model is not installed, Ollama is down, slow or answers wrong.
const UNAVAILABLE = new Set(['MODEL_MISSING', 'LLM_UNAVAILABLE', 'LLM_BAD_OUTPUT', 'NETWORK', 'TIMEOUT', 'UPSTREAM_FAILED']);

/** Whether an error means "no embedding model right now" (search by words instead), not a bug. */
export function isEmbedderUnavailable(error: unknown): boolean {
  return isPieBrainError(error) && UNAVAILABLE.has(error.code);
}
