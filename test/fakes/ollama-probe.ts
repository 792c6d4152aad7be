import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeModel {
  name: string;
  size?: number;
}

/**
 * The three read-only endpoints of Ollama the health probe uses (GET /api/version, /api/tags, /api/ps),
 * on 127.0.0.1, in Ollama's wire format. Scriptable: which models are installed and loaded, failures, delays.
 * (The router's full fake of Ollama, with /api/chat, lives in test/fakes/ollama.ts.)
 */
export class FakeOllamaProbeServer {
  readonly requests: Array<{ method: string; path: string }> = [];
  installed: FakeModel[] = [{ name: 'qwen2.5:1.5b' }];
  loaded: FakeModel[] = [];
  version = '0.12.6';
  /** HTTP status every request answers with instead of the real answer (e.g. 500). */
  failWith: number | null = null;
  delayMs = 0;
  private server: Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('fake Ollama is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/' });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (res.destroyed) return;
    if (this.failWith !== null) return this.json(res, this.failWith, { error: 'fake failure' });
    const details = {
      parent_model: '',
      format: 'gguf',
      family: 'qwen2',
      families: ['qwen2'],
      parameter_size: '1.5B',
      quantization_level: 'Q4_K_M',
    };
    const describe = (model: FakeModel) => ({
      name: model.name,
      model: model.name,
      modified_at: '2026-11-01T10:00:00Z',
      size: model.size ?? 986_000_000,
      digest: 'sha256:0000',
      details,
    });
    switch (`${req.method} ${req.url}`) {
      case 'GET /api/version':
        return this.json(res, 200, { version: this.version });
      case 'GET /api/tags':
        return this.json(res, 200, { models: this.installed.map(describe) });
      case 'GET /api/ps':
        return this.json(res, 200, {
          models: this.loaded.map((model) => ({
            ...describe(model),
            expires_at: '2026-11-23T13:00:00Z',
            size_vram: 0,
            context_length: 4096,
          })),
        });
      default:
        return this.json(res, 404, { error: 'not found' });
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
