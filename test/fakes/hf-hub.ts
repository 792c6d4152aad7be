import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * The Hugging Face Hub's file endpoint on 127.0.0.1: `GET /{owner}/{model}/resolve/{revision}/{file}`
 * serves `{root}/{owner}/{model}/{file}` (404 when absent, as the Hub answers for optional files).
 */
export class FakeHfHub {
  readonly requests: Array<{ method: string; path: string }> = [];
  private readonly server: Server;

  constructor(private readonly root: string) {
    this.server = createServer((request, response) => {
      const path = decodeURIComponent((request.url ?? '').split('?')[0] ?? '');
      this.requests.push({ method: request.method ?? 'GET', path });
      const match = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(path);
      const file = match ? normalize(join(this.root, match[1] as string, match[2] as string)) : '';
      if (!match || !file.startsWith(this.root) || !existsSync(file) || !statSync(file).isFile()) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('Entry not found');
        return;
      }
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
