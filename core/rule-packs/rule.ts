import { RE2JS } from 're2js';
import type { RuleSeverity, RuleSurface } from '../contracts/rule-gate.js';
import { PieBrainError } from '../errors.js';

/** A place in a text, [start, end) in UTF-16 code units. */
export type Span = readonly [start: number, end: number];

/** One rule of a pack: where it applies, what it does, and where it matches a text. */
export interface Rule {
  id: string;
  severity: RuleSeverity;
  surfaces: readonly RuleSurface[];
  /** Why it matched (an error's refusal, a warning's note); for a redaction, the kind of secret. */
  message: string;
  /** The non-empty places where the rule matches `text`, in order. */
  find(text: string): Span[];
}

/** A named set of rules: built in, or read from a YAML file in the data dir. */
export interface RulePack {
  id: string;
  /** `built-in`, or the file it came from. */
  source: string;
  rules: Rule[];
}

/** A pattern that cannot be used as a rule. */
export class PatternError extends PieBrainError {
  constructor(message: string) {
    super('VALIDATION', message);
    this.name = 'PatternError';
  }
}

export interface PatternOptions {
  ignoreCase?: boolean;
  /** Only this capture group is the match (a secret after its name, say); 0, the default, is the whole match. */
  group?: number;
}

/**
 * Compile a pattern with RE2 (re2js): matching time grows linearly with the text whatever the pattern, so a
 * pattern from a user pack cannot stall the Pi on a hostile message. RE2 has no backreferences or lookarounds.
 * A pattern that matches empty text would hit every message and is refused.
 */
export function compilePattern(pattern: string, options: PatternOptions = {}): (text: string) => Span[] {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new PatternError(`not a valid RE2 pattern (${detail})`);
  }
  if (compiled.test('')) throw new PatternError('it matches empty text, so it would hit every message');
  const group = options.group ?? 0;
  if (group > compiled.groupCount()) throw new PatternError(`it has no capture group ${group}`);
  return (text) => {
    // The DFA answers "anywhere?" fast; most texts match nothing and stop here.
    if (!compiled.test(text)) return [];
    const spans: Array<[number, number]> = [];
    const matcher = compiled.matcher(text);
    while (matcher.find()) {
      const start = matcher.start(group);
      const end = matcher.end(group);
      if (start >= 0 && end > start) spans.push([start, end]);
    }
    return spans;
  };
}

/** Where any of `values` occurs in a text (configured secrets, file names): plain substring search. */
export function findLiterals(values: readonly string[]): (text: string) => Span[] {
  const needles = [...new Set(values.filter((value) => value.length > 0))];
  return (text) => {
    const spans: Array<[number, number]> = [];
    for (const needle of needles) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) spans.push([at, at + needle.length]);
    }
    return spans.sort((a, b) => a[0] - b[0]);
  };
}
