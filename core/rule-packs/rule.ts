import { createRequire } from 'node:module';
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
}

// re2js is loaded on the first user pack: the built-in packs need none of its 0.9 MB.
const requireModule = createRequire(import.meta.url);
let re2: typeof import('re2js') | undefined;

/**
 * Compile a user's pattern with RE2 (re2js): matching time grows linearly with the text whatever the pattern,
 * so a pattern from a user pack cannot stall the Pi on a hostile message. RE2 has no backreferences or
 * lookarounds. A pattern that matches empty text would hit every message and is refused.
 */
export function compilePattern(pattern: string, options: PatternOptions = {}): (text: string) => Span[] {
  re2 ??= requireModule('re2js') as typeof import('re2js');
  const { RE2JS } = re2;
  let compiled: InstanceType<typeof RE2JS>;
  try {
    compiled = RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new PatternError(`not a valid RE2 pattern (${detail})`);
  }
  if (compiled.test('')) throw new PatternError('it matches empty text, so it would hit every message');
  return (text) => {
    // The DFA answers "anywhere?" fast; most texts match nothing and stop here.
    if (!compiled.test(text)) return [];
    const spans: Array<[number, number]> = [];
    const matcher = compiled.matcher(text);
    while (matcher.find()) {
      if (matcher.end() > matcher.start()) spans.push([matcher.start(), matcher.end()]);
    }
    return spans;
  };
}

/**
 * Where a built-in pattern matches (`group`: only that capture group is the match, a secret after its name,
 * say). Built-in patterns run on V8's own engine, fast and with nothing to load; each is written so that it
 * cannot backtrack beyond a bound (every repetition that could overlap another is capped).
 */
export function findPattern(pattern: RegExp, group = 0): (text: string) => Span[] {
  const global = new RegExp(pattern.source, `${pattern.flags.replace(/[gyd]/g, '')}gd`);
  return (text) => {
    const spans: Array<[number, number]> = [];
    for (const match of text.matchAll(global)) {
      const span = match.indices?.[group];
      if (span && span[1] > span[0]) spans.push([span[0], span[1]]);
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
