import { Ollama } from 'ollama';
import type { Config, Paths } from '../../core/config.js';
import { PieBrainError } from '../../core/errors.js';
import { resolveModelsDir } from './open-memory.js';
import { TransformersEmbedder } from './transformers-embedder.js';

export interface PullOptions {
  config: Config;
  paths: Paths;
  /** A Hugging Face Hub mirror (HF_ENDPOINT); default the public Hub. */
  remoteHost?: string;
  /** One line of progress at a time (the CLI prints them). */
  say?: (line: string) => void;
  fetch?: typeof fetch;
}

export interface PullResult {
  embedder: 'transformers' | 'ollama' | 'none';
  model: string;
  /** Where the files are (transformers), or the Ollama host. */
  location: string;
  dimensions?: number;
  /** Models Ollama pulled (ollama: the router's and the embedder's). */
  pulled?: string[];
}

/**
 * `pie-brain models pull`: fetch the models ahead of time, while the Pi has internet, so routing and the
 * memory work offline later. ollama (the default): asks the Ollama server to pull router.model and
 * memory.ollamaModel; transformers: downloads into the models dir and checks that it loads.
 */
export async function pullEmbeddingModel(options: PullOptions): Promise<PullResult> {
  const { config, paths } = options;
  const say = options.say ?? (() => {});
  if (config.memory.embedder === 'ollama') return pullWithOllama(options, say);
  if (config.memory.embedder === 'none') {
    say('memory.embedder is none: no embedding model to fetch (ollama pull the router model yourself).');
    return { embedder: 'none', model: '', location: '' };
  }
  const modelsDir = resolveModelsDir(config, paths);
  say(`Fetching ${config.memory.model} into ${modelsDir} ...`);
  const reported = new Map<string, number>();
  const embedder = new TransformersEmbedder({
    model: config.memory.model,
    modelsDir,
    allowRemote: true,
    ...(options.remoteHost ? { remoteHost: options.remoteHost } : {}),
    onProgress: ({ file, loaded, total }) => {
      // A line per file per quarter, not one per chunk.
      const quarter = total > 0 ? Math.floor((loaded / total) * 4) : 0;
      if ((reported.get(file) ?? -1) >= quarter) return;
      reported.set(file, quarter);
      say(
        `  ${file}: ${total > 0 ? `${Math.round((loaded / total) * 100)}% of ${(total / 1e6).toFixed(1)} MB` : `${(loaded / 1e6).toFixed(1)} MB`}`,
      );
    },
  });
  try {
    const [vector] = await embedder.embed(['pie-brain checks that the model loads']);
    say(`Ready: ${config.memory.model} (${vector?.length ?? 0} dimensions) in ${modelsDir}`);
    return { embedder: 'transformers', model: config.memory.model, location: modelsDir, dimensions: vector?.length ?? 0 };
  } finally {
    await embedder.unload();
  }
}

async function pullWithOllama(options: PullOptions, say: (line: string) => void): Promise<PullResult> {
  const { host } = options.config.ollama;
  const model = options.config.memory.ollamaModel;
  const models = [...new Set([options.config.router.model, model])];
  const client = new Ollama({ host, ...(options.fetch ? { fetch: options.fetch } : {}) });
  for (const name of models) {
    say(`Asking Ollama at ${host} to pull ${name} ...`);
    try {
      let last = '';
      for await (const progress of await client.pull({ model: name, stream: true })) {
        // One line per step, not one per downloaded chunk.
        if (progress.status !== last) say(`  ${progress.status}`);
        last = progress.status;
      }
    } catch (error) {
      throw new PieBrainError('LLM_UNAVAILABLE', `Ollama could not pull ${name}`, {
        cause: error,
        userMessage: `Ollama at ${host} could not pull ${name}: is it running and online, and is the name right?`,
      });
    }
    say(`Ready: ${name} in Ollama`);
  }
  return { embedder: 'ollama', model, location: host, pulled: models };
}
