import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeGatewayOptions {
  heartbeatIntervalMs: number;
  /** The dispatches that answer an IDENTIFY (READY, then GUILD_CREATE). */
  onIdentify(identify: unknown): Array<{ t: string; d: unknown }>;
  onResume?(): void;
}

/**
 * Discord's gateway as discord.js 14 speaks it, JSON and uncompressed: HELLO on connect, READY and
 * GUILD_CREATE after IDENTIFY, heartbeat ACKs, RESUMED after RESUME, then whatever the test dispatches.
 */
export class FakeGateway {
  readonly identifies: unknown[] = [];
  readonly resumes: unknown[] = [];
  private readonly sockets = new Set<WebSocket>();
  private wss: WebSocketServer | undefined;
  private sequence = 0;

  constructor(private readonly options: FakeGatewayOptions) {}

  attach(server: Server): void {
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  /** Send a dispatch (op 0) to every connected session. */
  dispatch(event: string, data: unknown): void {
    for (const socket of this.sockets) this.send(socket, { op: 0, t: event, s: ++this.sequence, d: data });
  }

  /** Cut every session, as a network drop would. */
  drop(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  close(): void {
    this.drop();
    this.wss?.close();
  }

  private accept(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    this.send(socket, { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (frame.op === 1) this.send(socket, { op: 11 });
      else if (frame.op === 2) {
        this.identifies.push(frame.d);
        for (const { t, d } of this.options.onIdentify(frame.d)) this.send(socket, { op: 0, t, s: ++this.sequence, d });
      } else if (frame.op === 6) {
        this.resumes.push(frame.d);
        this.send(socket, { op: 0, t: 'RESUMED', s: ++this.sequence, d: {} });
        this.options.onResume?.();
      }
    });
  }

  private send(socket: WebSocket, frame: unknown): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }
}
