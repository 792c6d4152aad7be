import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { CONSOLE_PLATFORM } from '../core/access.js';
import type { AdapterCapabilities, ChatAdapter, Intake, SendResult } from '../core/contracts/chat-adapter.js';
import { type Address, joinFooter, parseCommand, type Reply } from '../core/contracts/messages.js';

export interface ConsoleAdapterOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** A person at a terminal: show a prompt and keep going until Ctrl-D / Ctrl-C. */
  interactive: boolean;
  /** Called once input has ended and every message typed was answered. */
  onDone?: () => void;
}

/**
 * The console chat: lets a new owner try pie-brain before configuring any platform. With piped input it
 * answers every line in order, one after the other, and calls onDone when all are answered.
 */
export class ConsoleAdapter implements ChatAdapter {
  readonly platform = CONSOLE_PLATFORM;
  readonly capabilities: AdapterCapabilities = { edit: false, threads: false, images: true, typing: false, maxLength: 1_000_000 };
  private readonly session = Date.now().toString(36);
  private sent = 0;
  private received = 0;
  private readline: ReturnType<typeof createInterface> | undefined;
  private readonly userName = safeUserName();

  constructor(private readonly options: ConsoleAdapterOptions) {}

  async start(intake: Intake): Promise<void> {
    const rl = createInterface({ input: this.options.input, terminal: false });
    this.readline = rl;
    const waiting: Array<Promise<void>> = [];
    if (this.options.interactive) this.prompt();
    let chain = Promise.resolve();
    rl.on('line', (line) => {
      const text = line.trim();
      if (!text) {
        if (this.options.interactive) this.prompt();
        return;
      }
      this.received += 1;
      const id = `${this.session}-${this.received}`;
      // Submit in order, so tasks are numbered the way they were typed. Piped input is a script: each line
      // is answered before the next is read, so `/task 1` after `/ping` sees the ping done.
      chain = chain.then(async () => {
        const command = parseCommand(text);
        const result = await intake.submit({
          id,
          address: { platform: this.platform, chatId: 'local' },
          user: { id: 'local', name: this.userName },
          text,
          ...(command ? { command } : {}),
          receivedAt: Date.now(),
        });
        if (result.status === 'refused') return;
        const answered = intake.whenAnswered(result.taskId);
        if (this.options.interactive) waiting.push(answered);
        else await answered;
      });
    });
    rl.on('close', () => {
      void chain.then(() => Promise.all(waiting)).then(() => this.options.onDone?.());
    });
  }

  async stop(): Promise<void> {
    this.readline?.close();
  }

  async send(_address: Address, reply: Reply): Promise<SendResult> {
    this.sent += 1;
    const lines = [joinFooter(reply)];
    for (const attachment of reply.attachments ?? []) lines.push(`[image saved: ${attachment.path}]`);
    const text = lines.join('\n');
    this.options.output.write(this.options.interactive ? `\npie-brain> ${text}\n` : `${text}\n`);
    if (this.options.interactive) this.prompt();
    return { messageId: `console-${this.session}-${this.sent}` };
  }

  connected(): boolean {
    return true;
  }

  private prompt(): void {
    this.options.output.write('you> ');
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'owner';
  }
}
