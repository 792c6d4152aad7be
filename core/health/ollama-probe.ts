import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';

export interface OllamaProbeOptions {
  host: string;
  /** config router.model: is it installed, and is it loaded in memory right now? */
  routerModel: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

export interface OllamaProbe {
  up: boolean;
  version: string | null;
  latencyMs: number;
  installed: string[];
  loaded: string[];
  routerModel: string;
  routerModelInstalled: boolean;
  routerModelLoaded: boolean;
  /** Why it is not up (a connection error, an HTTP status). */
  error: string | null;
}

/** `qwen2.5` and `qwen2.5:latest` are the same model to Ollama. */
function sameModel(a: string, b: string): boolean {
  const full = (name: string) => (name.includes(':') ? name : `${name}:latest`);
  return full(a) === full(b);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code || cause?.message) return cause.code ?? cause.message ?? 'failed';
  const status = (error as { status_code?: number }).status_code;
  if (status) return `HTTP ${status}`;
  if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') return 'timed out';
  return (error as Error).message ?? String(error);
}

/**
 * Ask Ollama whether it is up without spending a token: GET /api/version, /api/tags (installed models)
 * and /api/ps (models loaded in memory), through the ollama client with a timeout on every request.
 */
export async function probeOllama(options: OllamaProbeOptions): Promise<OllamaProbe> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 3000;
  const baseFetch = options.fetch ?? fetch;
  const timedFetch: typeof fetch = (input, init) => baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  // Loaded on the first probe; the router's provider usually has it in memory already.
  const { Ollama } = await import('ollama');
  const client = new Ollama({ host: options.host, fetch: timedFetch });
  const started = clock.now();
  const base = { routerModel: options.routerModel, installed: [] as string[], loaded: [] as string[] };
  try {
    const [version, tags, ps] = await Promise.all([client.version(), client.list(), client.ps()]);
    const installed = tags.models.map((m) => m.name);
    const loaded = ps.models.map((m) => m.name);
    return {
      ...base,
      up: true,
      version: version.version,
      latencyMs: clock.now() - started,
      installed,
      loaded,
      routerModelInstalled: installed.some((name) => sameModel(name, options.routerModel)),
      routerModelLoaded: loaded.some((name) => sameModel(name, options.routerModel)),
      error: null,
    };
  } catch (error) {
    return {
      ...base,
      up: false,
      version: null,
      latencyMs: clock.now() - started,
      routerModelInstalled: false,
      routerModelLoaded: false,
      error: describe(error),
    };
  }
}
