import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Bot, webhookCallback } from 'grammy';
import type { Logger } from '../../core/logger.js';
import { describeApiError } from './api-errors.js';

export interface WebhookServerOptions {
  bot: Bot;
  /** Checked against X-Telegram-Bot-Api-Secret-Token; a wrong one gets 401. */
  secret: string;
  host: string;
  port: number;
  /** Only this path answers (the path of the public webhook URL); any path when undefined. */
  path: string | undefined;
  logger: Logger;
  token: string;
}

/**
 * The HTTP endpoint Telegram posts updates to in webhook mode. An update is answered 200 only after it
 * was stored; if storing fails the answer is 500 and Telegram delivers it again later.
 */
export class WebhookServer {
  private server: Server | undefined;

  constructor(private readonly options: WebhookServerOptions) {}

  async listen(): Promise<AddressInfo> {
    const { bot, secret, logger, token, path } = this.options;
    const handle = webhookCallback(bot, 'http', { secretToken: secret, onTimeout: 'throw', timeoutMilliseconds: 10_000 });
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' || (path !== undefined && url.pathname !== path)) {
        res.writeHead(404).end();
        return;
      }
      handle(req, res).catch((error: unknown) => {
        logger.error(
          { error: describeApiError(error, token) },
          'a Telegram webhook update could not be stored; Telegram will send it again',
        );
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
