import { PassThrough } from 'node:stream';
import { ConsoleAdapter } from '../../bots/console.js';
import { describeChatAdapterContract } from '../contracts/chat-adapter.js';
import { FakeChatAdapter } from '../fakes/chat-adapter.js';
import { waitFor } from '../helpers.js';

describeChatAdapterContract('console', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  const adapter = new ConsoleAdapter({ input, output, interactive: false });
  return {
    adapter,
    replyAddress: { platform: 'console', chatId: 'local' },
    userSays: async (text) => {
      input.write(`${text}\n`);
    },
    delivered: async () => {
      await waitFor(() => printed.length > 0, 2000, 'console output');
      return [{ chatId: 'local', text: printed }];
    },
    close: async () => {
      input.end();
    },
  };
});

describeChatAdapterContract('fake', async () => {
  const adapter = new FakeChatAdapter();
  return {
    adapter,
    replyAddress: { platform: 'fake', chatId: 'chat-1', threadId: 't-1' },
    userSays: async (text) => {
      await adapter.receive(text);
    },
    delivered: async () => adapter.sent.map((m) => ({ chatId: m.address.chatId, threadId: m.address.threadId, text: m.reply.text })),
    close: async () => {},
  };
});
