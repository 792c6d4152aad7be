import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** What a Socket Mode client sends back for an envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

const ACK_TIMEOUT_MS = 5000;

/**
 * Slack's Socket Mode server side: greets each client with `hello`, pings it (the SDK reconnects after
 * 30 s without a ping), sends envelopes and records the client's acks by envelope id.
 */
export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly ackWaiters = new Map<string, (ack: SocketAck) => void>();
  private pinger: ReturnType<typeof setInterval> | undefined;
  private counter = 0;
  /** Pings the clients sent (each one wakes both ends). */
  clientPings = 0;

  constructor(private readonly pingIntervalMs: number) {}

  get socketCount(): number {
    return this.sockets.size;
  }

  start(): void {
    this.pinger = setInterval(() => {
      for (const ws of this.sockets) ws.ping();
    }, this.pingIntervalMs);
    this.pinger.unref();
  }

  stop(): void {
    clearInterval(this.pinger);
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.wss.close();
  }

  /** Take over an HTTP upgrade request (the URL apps.connections.open handed out). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Send an envelope to the newest client; resolves with its ack. */
  send(type: string, payload: unknown, acceptsResponsePayload: boolean): Promise<SocketAck> {
    const ws = [...this.sockets].at(-1);
    if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
    this.counter += 1;
    const envelopeId = `env-${this.counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(envelopeId);
        reject(new Error(`envelope ${envelopeId} was not acknowledged within ${ACK_TIMEOUT_MS} ms`));
      }, ACK_TIMEOUT_MS);
      this.ackWaiters.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: acceptsResponsePayload,
        retry_attempt: 0,
        retry_reason: '',
      };
      ws.send(JSON.stringify(envelope));
    });
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('ping', () => {
      this.clientPings += 1;
    });
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      let ack: SocketAck;
      try {
        ack = JSON.parse(String(data)) as SocketAck;
      } catch {
        return;
      }
      this.acks.push(ack);
      this.ackWaiters.get(ack.envelope_id)?.(ack);
      this.ackWaiters.delete(ack.envelope_id);
    });
    const hello = {
      type: 'hello',
      num_connections: this.sockets.size,
      debug_info: { host: 'fake-slack', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: 'AFAKE' },
    };
    ws.send(JSON.stringify(hello));
  }
}
