import type { Reply } from '../contracts/messages.js';
import { RuleBlockedError, type RuleGate, type RuleHit, type RuleSurface, withRuleNotes } from '../contracts/rule-gate.js';
import type { Rule, RulePack, Span } from './rule.js';
import { visibleText } from './visible-text.js';

/** What the packs say about one text. */
export interface Verdict {
  /** The text with every redaction applied. */
  text: string;
  hits: RuleHit[];
  /** The first error rule that matched: the text must not go on. */
  blocked?: RuleHit;
  /** The messages of the warning rules that matched, once each. */
  notes: string[];
}

export interface RuleCheckerOptions {
  packs: readonly RulePack[];
  /** Every hit: traced on its task and counted in /metrics by the runtime. */
  onHit?(hit: RuleHit, taskId: number | null): void;
  /** A check that failed (a bug, never a match): the message is held back rather than sent unchecked. */
  onError?(error: unknown): void;
}

interface Bound {
  pack: string;
  rule: Rule;
}

/** The notice sent in place of a message an error rule stopped. */
export function heldBackText(hit: Pick<RuleHit, 'pack' | 'rule' | 'message'>): string {
  return `⛔ I held back this message: ${hit.message} (rule ${hit.pack}/${hit.rule}).`;
}

const UNCHECKED = '⛔ I held back this message: it could not be checked against the rule packs (the admins can find the error in the log).';

/** Overlapping or touching spans as one, in order. */
function merge(spans: Array<{ span: Span; label: string }>): Array<{ span: Span; label: string }> {
  const sorted = [...spans].sort((a, b) => a.span[0] - b.span[0] || b.span[1] - a.span[1]);
  const merged: Array<{ span: [number, number]; label: string }> = [];
  for (const { span, label } of sorted) {
    const last = merged.at(-1);
    if (last && span[0] <= last.span[1]) last.span[1] = Math.max(last.span[1], span[1]);
    else merged.push({ span: [span[0], span[1]], label });
  }
  return merged;
}

/**
 * The enabled rule packs applied to texts. Redactions go first, over the text as given; error and warning rules
 * then look at what is left, so a secret that was removed cannot trip them. Every rule sees the text without
 * invisible characters, so a zero-width space inside a token does not hide it.
 */
export class RuleChecker implements RuleGate {
  private readonly redactions = new Map<RuleSurface, Bound[]>();
  private readonly checks = new Map<RuleSurface, Bound[]>();

  constructor(private readonly options: RuleCheckerOptions) {
    for (const pack of options.packs) {
      for (const rule of pack.rules) {
        const into = rule.severity === 'redact' ? this.redactions : this.checks;
        for (const surface of rule.surfaces) {
          const list = into.get(surface) ?? [];
          list.push({ pack: pack.id, rule });
          into.set(surface, list);
        }
      }
    }
  }

  /** The packs' verdict on one text on one surface; nothing is reported. */
  check(surface: RuleSurface, text: string): Verdict {
    const hits: RuleHit[] = [];
    const hit = ({ pack, rule }: Bound, count: number): RuleHit => {
      const found: RuleHit = { pack, rule: rule.id, severity: rule.severity, surface, message: rule.message, count };
      hits.push(found);
      return found;
    };
    let out = text;
    const redactions = this.redactions.get(surface) ?? [];
    if (redactions.length && text) {
      const view = visibleText(text);
      const found: Array<{ span: Span; label: string }> = [];
      for (const bound of redactions) {
        const spans = bound.rule.find(view.text);
        if (spans.length === 0) continue;
        hit(bound, spans.length);
        for (const span of spans) found.push({ span: view.original(span), label: `[REDACTED: ${bound.rule.message}]` });
      }
      for (const { span, label } of merge(found).reverse()) out = `${out.slice(0, span[0])}${label}${out.slice(span[1])}`;
    }
    let blocked: RuleHit | undefined;
    const notes: string[] = [];
    const checks = this.checks.get(surface) ?? [];
    if (checks.length && out) {
      const visible = visibleText(out).text;
      for (const bound of checks) {
        const spans = bound.rule.find(visible);
        if (spans.length === 0) continue;
        const found = hit(bound, spans.length);
        if (bound.rule.severity === 'error') blocked ??= found;
        else if (!notes.includes(bound.rule.message)) notes.push(bound.rule.message);
      }
    }
    return { text: out, hits, notes, ...(blocked ? { blocked } : {}) };
  }

  enforce(surface: Exclude<RuleSurface, 'output'>, text: string, taskId: number | null): { text: string; notes: string[] } {
    const verdict = this.check(surface, text);
    this.report(verdict.hits, taskId);
    if (verdict.blocked) throw new RuleBlockedError(verdict.blocked);
    return { text: verdict.text, notes: verdict.notes };
  }

  guardReply(reply: Reply, taskId: number | null): Reply {
    let verdicts: { text: Verdict; footer?: Verdict; captions: Array<Verdict | undefined> };
    try {
      verdicts = {
        text: this.check('output', reply.text),
        ...(reply.footer === undefined ? {} : { footer: this.check('output', reply.footer) }),
        captions: (reply.attachments ?? []).map((a) => (a.caption === undefined ? undefined : this.check('output', a.caption))),
      };
    } catch (error) {
      this.options.onError?.(error);
      return { text: UNCHECKED };
    }
    const all = [verdicts.text, verdicts.footer, ...verdicts.captions].filter((v): v is Verdict => v !== undefined);
    const hits = all.flatMap((verdict) => verdict.hits);
    if (hits.length === 0) return reply;
    this.report(hits, taskId);
    const blocked = all.find((verdict) => verdict.blocked)?.blocked;
    if (blocked) return { text: heldBackText(blocked) };
    const notes = [...new Set(all.flatMap((verdict) => verdict.notes))];
    const guarded: Reply = { ...reply, text: verdicts.text.text };
    if (verdicts.footer) guarded.footer = verdicts.footer.text;
    if (reply.attachments) {
      guarded.attachments = reply.attachments.map((attachment, index) => {
        const caption = verdicts.captions[index];
        return caption ? { ...attachment, caption: caption.text } : attachment;
      });
    }
    return withRuleNotes(guarded, notes);
  }

  private report(hits: readonly RuleHit[], taskId: number | null): void {
    for (const hit of hits) this.options.onHit?.(hit, taskId);
  }
}
