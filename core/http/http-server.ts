import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export interface Readiness {
  /** ok: everything works; degraded: serving, something is down; down: not serving. */
  status: 'ok' | 'degraded' | 'down';
  live: true;
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: Registry;
  readiness(): Readiness;
  /** Provider metrics export: GET /monitor.json and /monitor.csv. */
  monitorExport?(format: 'json' | 'csv'): string;
  logger: Logger;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * /healthz (liveness and readiness as JSON: 200 when ready, 503 when not) and /metrics (Prometheus text)
 * on node:http, bound to 127.0.0.1 unless configured otherwise. Read-only: GET and HEAD only.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      const readiness = options.readiness();
      send(res, readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify(readiness)}\n`);
    } else if (path === '/metrics') {
      send(res, 200, options.metrics.contentType, await options.metrics.metrics());
    } else if (options.monitorExport && (path === '/monitor.json' || path === '/monitor.csv')) {
      const format = path.endsWith('.csv') ? 'csv' : 'json';
      send(res, 200, format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json', options.monitorExport(format));
    } else {
      send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger.error({ err: error, path: req.url }, 'the HTTP endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  options.logger.info({ url }, 'HTTP endpoints /healthz and /metrics are listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
