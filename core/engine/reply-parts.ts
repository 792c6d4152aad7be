import type { Reply } from '../contracts/messages.js';
import { splitText } from '../lib/split-text.js';

/**
 * A reply as the parts delivery sends one by one: its text split to the platform's longest message, the
 * footer and the attachments with the last part (a reply that fits is one part, unchanged). Never empty:
 * an empty reply says so.
 */
export function splitReply(reply: Reply, maxLength: number): Reply[] {
  const footerRoom = reply.footer ? reply.footer.length + 4 : 0;
  const texts = reply.text.trim() ? splitText(reply.text, Math.max(20, maxLength - footerRoom)) : [];
  const extras = {
    ...(reply.footer ? { footer: reply.footer } : {}),
    ...(reply.attachments?.length ? { attachments: reply.attachments } : {}),
  };
  if (texts.length === 0) return [Object.keys(extras).length ? { text: '', ...extras } : { text: '(empty reply)' }];
  return texts.map((text, index) => (index === texts.length - 1 ? { text, ...extras } : { text }));
}
