import { PieBrainError } from '../errors.js';
import { type Reply, replySchema } from './messages.js';

/**
 * Where a text is checked: a message leaving for a platform, a command or message before it runs, code about
 * to be executed on the Pi, a prompt about to be sent to a cloud brain.
 */
export const RULE_SURFACES = ['output', 'command', 'run', 'brain'] as const;
export type RuleSurface = (typeof RULE_SURFACES)[number];

/** What a rule does when it matches: replace the match, stop the text with its message, or let it pass with a note. */
export type RuleSeverity = 'redact' | 'error' | 'warning';

/** One rule that matched one text. Never carries the matched text: a hit is traced and counted, and may be a secret. */
export interface RuleHit {
  pack: string;
  rule: string;
  severity: RuleSeverity;
  surface: RuleSurface;
  message: string;
  /** How many places in the text matched. */
  count: number;
}

/** A text that an error rule stopped; the reply says which rule and why. */
export class RuleBlockedError extends PieBrainError {
  constructor(readonly hit: RuleHit) {
    super('RULE_BLOCKED', `Refused by the rule ${hit.pack}/${hit.rule}: ${hit.message}`);
    this.name = 'RuleBlockedError';
  }
}

/**
 * The enabled rule packs, as the engine sees them. Every message that leaves passes `guardReply` before it is
 * stored; every command, code run and brain prompt passes `enforce` before it runs.
 */
export interface RuleGate {
  /**
   * Check a text about to run or be sent on. Returns the text to use (secrets redacted) and the notes of
   * warning rules, to be added to the reply. Throws RuleBlockedError when an error rule matched.
   */
  enforce(surface: Exclude<RuleSurface, 'output'>, text: string, taskId: number | null): { text: string; notes: string[] };
  /** A message about to leave: secrets redacted, a note added for warnings, or a notice in place of a blocked message. */
  guardReply(reply: Reply, taskId: number | null): Reply;
}

/** The reply with the notes of warning rules under its text, each once (a rule may match on several surfaces). */
export function withRuleNotes(reply: Reply, notes: readonly string[]): Reply {
  const lines = [...new Set(notes)].map((note) => `⚠️ ${note}`).filter((line) => !reply.text.includes(line));
  if (lines.length === 0) return reply;
  return { ...reply, text: `${reply.text}\n\n${lines.join('\n')}` };
}

/**
 * An outbox body as it may be stored: a reply through `guardReply`. A body that is not a reply keeps only its
 * text, checked the same way (delivery would send no more of it).
 */
export function guardOutboxBody(gate: RuleGate, body: unknown, taskId: number | null): Reply {
  const reply = replySchema.safeParse(body);
  const checked: Reply = reply.success ? reply.data : { text: String((body as { text?: unknown } | null)?.text ?? '') };
  return gate.guardReply(checked, taskId);
}
