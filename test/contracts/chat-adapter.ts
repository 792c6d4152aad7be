import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../core/contracts/chat-adapter.js';
import type { Address } from '../../core/contracts/messages.js';
import { RecordingIntake } from '../fakes/recording-intake.js';

/** What a platform received, as the contract suite sees it. */
export interface Delivered {
  chatId: string;
  threadId?: string | undefined;
  text: string;
}

export interface AdapterHarness {
  adapter: ChatAdapter;
  /** A user on the platform writes `text` in the chat the harness uses. */
  userSays(text: string): Promise<void>;
  /** Where a reply to that user goes (a chat and, where the platform has them, a thread). */
  replyAddress: Address;
  /** Everything the platform received from pie-brain, in order. */
  delivered(): Promise<Delivered[]>;
  close(): Promise<void>;
}

/**
 * The one contract every ChatAdapter implementation (real or fake) runs. Each platform's test calls this
 * with a harness around its loopback fake.
 */
export function describeChatAdapterContract(name: string, createHarness: () => Promise<AdapterHarness>): void {
  describe(`ChatAdapter contract: ${name}`, () => {
    let harness: AdapterHarness;
    let intake: RecordingIntake;

    beforeEach(async () => {
      harness = await createHarness();
      intake = new RecordingIntake();
      await harness.adapter.start(intake);
    });

    afterEach(async () => {
      await harness.adapter.stop();
      await harness.close();
    });

    it('declares sane capabilities', () => {
      const { capabilities, platform } = harness.adapter;
      expect(platform).toMatch(/^[a-z]+$/);
      expect(capabilities.maxLength).toBeGreaterThan(100);
      expect(typeof capabilities.edit).toBe('boolean');
    });

    it('turns a platform message into an InboundMessage', async () => {
      await harness.userSays('hello from the contract');
      await intake.received(1);
      const [message] = intake.messages;
      expect(message?.address.platform).toBe(harness.adapter.platform);
      expect(message?.text).toBe('hello from the contract');
      expect(message?.user.id).toBeTruthy();
      expect(message?.id).toBeTruthy();
      expect(message?.command).toBeUndefined();
    });

    it('parses a slash command', async () => {
      await harness.userSays('/task 12');
      await intake.received(1);
      expect(intake.messages[0]?.command).toEqual({ name: 'task', args: '12' });
    });

    it('sends a reply and returns the platform message id as receipt', async () => {
      const result = await harness.adapter.send(harness.replyAddress, { text: 'the answer is *42*' });
      expect(result.messageId).toBeTruthy();
      const delivered = await harness.delivered();
      expect(delivered.at(-1)?.text).toContain('42');
      expect(delivered.at(-1)?.chatId).toBe(harness.replyAddress.chatId);
      if (harness.replyAddress.threadId) expect(delivered.at(-1)?.threadId).toBe(harness.replyAddress.threadId);
    });

    it('splits a 10,000-character reply to the platform limit, losing nothing', async () => {
      const paragraphs = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(3, '0')} ${'x'.repeat(95)}`);
      await harness.adapter.send(harness.replyAddress, { text: paragraphs.join('\n\n') });
      const delivered = await harness.delivered();
      const joined = delivered.map((d) => d.text).join('\n');
      for (const paragraph of paragraphs) expect(joined).toContain(paragraph);
      for (const part of delivered) expect(part.text.length).toBeLessThanOrEqual(harness.adapter.capabilities.maxLength);
      const order = paragraphs.map((p) => joined.indexOf(p));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });
  });
}
