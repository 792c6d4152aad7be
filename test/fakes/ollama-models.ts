import { createHash } from 'node:crypto';

/** A model the fake has installed (GET /api/tags) or in memory (GET /api/ps). */
export interface FakeModel {
  name: string;
  /** Bytes on disk; 986 MB (qwen2.5:1.5b Q4_K_M) unless given. */
  size?: number;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  contextLength?: number;
}

/** What a fresh Ollama with the router model and the memory's embedding model pulled lists. */
export function defaultModels(): FakeModel[] {
  return [
    { name: 'qwen2.5:1.5b', parameterSize: '1.5B', contextLength: 4096 },
    { name: 'all-minilm:latest', size: 45_960_996, family: 'bert', parameterSize: '23M', quantization: 'F16' },
    { name: 'nomic-embed-text:latest', size: 274_000_000, family: 'nomic-bert', parameterSize: '137M', quantization: 'F16' },
  ];
}

/** `nomic-embed-text` and `nomic-embed-text:latest` name the same model to Ollama. */
export function sameModel(a: string, b: string): boolean {
  const full = (name: string) => (name.includes(':') ? name : `${name}:latest`);
  return full(a) === full(b);
}

/** One entry of GET /api/tags, in Ollama's wire format. */
export function describeModel(model: FakeModel) {
  const family = model.family ?? 'qwen2';
  return {
    name: model.name,
    model: model.name,
    modified_at: '2026-11-01T10:00:00Z',
    size: model.size ?? 986_000_000,
    digest: createHash('sha256').update(model.name).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: model.parameterSize ?? '1.5B',
      quantization_level: model.quantization ?? 'Q4_K_M',
    },
  };
}

/** One entry of GET /api/ps: the tags entry plus when it unloads, VRAM use and its context size. */
export function describeLoadedModel(model: FakeModel, expiresAt: Date) {
  return { ...describeModel(model), expires_at: expiresAt.toISOString(), size_vram: 0, context_length: model.contextLength ?? 4096 };
}
