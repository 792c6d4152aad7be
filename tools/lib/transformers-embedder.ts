import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureExtractionPipeline } from '@huggingface/transformers';
import type { Embedder } from '../../core/contracts/embedder.js';
import { PieBrainError } from '../../core/errors.js';
import { type Clock, systemClock, type TimerHandle } from '../../core/lib/clock.js';
import { Semaphore } from '../../core/lib/semaphore.js';

export interface TransformersEmbedderOptions {
  /** A Hugging Face model id with ONNX weights, e.g. Xenova/all-MiniLM-L6-v2. */
  model: string;
  /** Where models live: `<modelsDir>/<model>/{config.json, tokenizer.json, onnx/model_quantized.onnx}`. */
  modelsDir: string;
  /** Download missing files from the Hub into modelsDir. Only `pie-brain models pull` turns this on. */
  allowRemote?: boolean;
  /** A Hub mirror (HF_ENDPOINT); tests point it at a loopback fake. */
  remoteHost?: string;
  /** Free the model after this long without use; 0 keeps it loaded. */
  idleUnloadMs?: number;
  clock?: Clock;
  /** Texts per forward pass: bounds the padded batch's memory. */
  batchSize?: number;
  /** Called while files download (models pull prints it). */
  onProgress?: (event: { file: string; loaded: number; total: number }) => void;
}

// Transformers.js settings are process-wide: every load sets all of them, so two embedders cannot disagree.
async function configureTransformers(options: TransformersEmbedderOptions): Promise<typeof import('@huggingface/transformers')> {
  let transformers: typeof import('@huggingface/transformers');
  try {
    transformers = await import('@huggingface/transformers');
  } catch (error) {
    // Not a runtime dependency (~470 MB): an owner who wants embeddings in process installs it.
    throw new PieBrainError('MODEL_MISSING', 'transformers.js is not installed', {
      cause: error,
      userMessage:
        "memory.embedder is transformers, but transformers.js is not installed: run `npm install @huggingface/transformers` in pie-brain's folder, or set memory.embedder to ollama.",
    });
  }
  const { env, LogLevel } = transformers;
  env.logLevel = LogLevel.ERROR;
  env.allowLocalModels = true;
  env.localModelPath = options.modelsDir;
  env.useFSCache = true;
  env.cacheDir = options.modelsDir;
  env.allowRemoteModels = options.allowRemote ?? false;
  if (options.remoteHost) env.remoteHost = options.remoteHost.endsWith('/') ? options.remoteHost : `${options.remoteHost}/`;
  return transformers;
}

/**
 * Feature extraction in process with transformers.js (ONNX Runtime): quantized weights, mean pooling,
 * unit-length vectors. The model is loaded on the first `embed`, and freed again after `idleUnloadMs`.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  private extractor: Promise<FeatureExtractionPipeline> | undefined;
  private idleTimer: TimerHandle | undefined;
  private readonly gate = new Semaphore(1);
  private readonly clock: Clock;

  constructor(private readonly options: TransformersEmbedderOptions) {
    this.id = `transformers:${options.model}`;
    this.clock = options.clock ?? systemClock;
  }

  isLoaded(): boolean {
    return this.extractor !== undefined;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    // One forward pass at a time: on a Pi, parallel passes only fight over the same cores and memory.
    return this.gate.run(async () => {
      this.cancelIdleTimer();
      try {
        const extractor = await this.load();
        const vectors: Float32Array[] = [];
        const batchSize = this.options.batchSize ?? 16;
        for (let start = 0; start < texts.length; start += batchSize) {
          signal?.throwIfAborted();
          const output = await extractor(texts.slice(start, start + batchSize), { pooling: 'mean', normalize: true });
          const [rows = 0, dim = 0] = output.dims;
          const data = output.data as Float32Array;
          for (let row = 0; row < rows; row += 1) vectors.push(data.slice(row * dim, (row + 1) * dim));
          output.dispose?.();
        }
        return vectors;
      } finally {
        this.startIdleTimer();
      }
    });
  }

  async unload(): Promise<void> {
    this.cancelIdleTimer();
    const loading = this.extractor;
    this.extractor = undefined;
    if (!loading) return;
    const extractor = await loading.catch(() => undefined);
    await extractor?.dispose();
  }

  private load(): Promise<FeatureExtractionPipeline> {
    this.extractor ??= this.createPipeline().catch((error: unknown) => {
      this.extractor = undefined;
      throw error;
    });
    return this.extractor;
  }

  private async createPipeline(): Promise<FeatureExtractionPipeline> {
    const { model, modelsDir, allowRemote, onProgress } = this.options;
    // Checked here rather than read from the library's error text: the answer names the fix.
    if (!allowRemote && !existsSync(join(modelsDir, model, 'config.json'))) {
      throw new PieBrainError('MODEL_MISSING', `embedding model ${model} not found in ${modelsDir}`, {
        userMessage: `The embedding model ${model} is not installed in ${modelsDir}. Run \`pie-brain models pull\` on the Pi while it has internet, or set memory.embedder to ollama.`,
      });
    }
    const { pipeline } = await configureTransformers(this.options);
    try {
      return await pipeline('feature-extraction', model, {
        dtype: 'q8',
        device: 'cpu',
        local_files_only: !allowRemote,
        ...(onProgress
          ? {
              progress_callback: (event: unknown) => {
                const info = event as { status?: string; file?: string; loaded?: number; total?: number };
                if (info.status === 'progress' && info.file)
                  onProgress({ file: info.file, loaded: info.loaded ?? 0, total: info.total ?? 0 });
              },
            }
          : {}),
      });
    } catch (error) {
      throw new PieBrainError('MODEL_MISSING', `cannot load embedding model ${model} from ${modelsDir}`, {
        cause: error,
        userMessage: `The embedding model ${model} could not be loaded from ${modelsDir}. Run \`pie-brain models pull\` again, or set memory.embedder to ollama.`,
      });
    }
  }

  private startIdleTimer(): void {
    const idleMs = this.options.idleUnloadMs ?? 0;
    if (idleMs <= 0 || !this.extractor) return;
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = undefined;
      void this.gate.run(() => this.unload());
    }, idleMs);
    this.idleTimer.unref?.();
  }

  private cancelIdleTimer(): void {
    if (this.idleTimer) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
