import type { AdapterCapabilities, ChatAdapter, Intake, IntakeResult, SendResult } from '../../core/contracts/chat-adapter.js';
import type { Address, InboundMessage, Reply } from '../../core/contracts/messages.js';
import { parseCommand } from '../../core/contracts/messages.js';
import { splitText } from '../../core/lib/split-text.js';

export interface SentMessage {
  address: Address;
  reply: Reply;
  messageId: string;
}

/**
 * A chat platform in memory: the test injects messages, and scripts send failures. It implements the
 * same ChatAdapter contract (and runs the same contract suite) as the real adapters.
 */
export class FakeChatAdapter implements ChatAdapter {
  readonly capabilities: AdapterCapabilities = { edit: true, threads: true, images: true, typing: true, maxLength: 4000 };
  readonly sent: SentMessage[] = [];
  readonly edits: Array<{ messageId: string; reply: Reply }> = [];
  readonly typings: Address[] = [];
  private intake: Intake | undefined;
  private readonly failures: unknown[] = [];
  private counter = 0;
  private sendGate: Promise<void> | undefined;
  started = false;

  constructor(readonly platform = 'fake') {}

  async start(intake: Intake): Promise<void> {
    this.intake = intake;
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  /** The next sends throw these errors, in order. */
  failNext(...errors: unknown[]): void {
    this.failures.push(...errors);
  }

  /** Hold every send until the returned function is called. */
  holdSends(): () => void {
    let release: () => void = () => {};
    this.sendGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.sendGate = undefined;
      release();
    };
  }

  async send(address: Address, reply: Reply): Promise<SendResult> {
    if (this.sendGate) await this.sendGate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    let messageId = '';
    for (const part of splitText(reply.text, this.capabilities.maxLength)) {
      this.counter += 1;
      messageId = `${this.platform}-${this.counter}`;
      this.sent.push({ address, reply: { ...reply, text: part }, messageId });
    }
    return { messageId };
  }

  async edit(_address: Address, messageId: string, reply: Reply): Promise<void> {
    this.edits.push({ messageId, reply });
  }

  async typing(address: Address): Promise<void> {
    this.typings.push(address);
  }

  connected(): boolean {
    return this.started;
  }

  /** A user writes something on the platform. */
  async receive(text: string, overrides: Partial<InboundMessage> = {}): Promise<IntakeResult> {
    if (!this.intake) throw new Error('adapter not started');
    this.counter += 1;
    const command = parseCommand(text);
    return this.intake.submit({
      id: `in-${this.counter}`,
      address: { platform: this.platform, chatId: 'chat-1' },
      user: { id: 'owner', name: 'Owner' },
      text,
      ...(command ? { command } : {}),
      receivedAt: Date.now(),
      ...overrides,
    });
  }

  texts(): string[] {
    return this.sent.map((message) => message.reply.text);
  }
}
