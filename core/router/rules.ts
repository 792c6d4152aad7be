import type { InboundMessage } from '../messages.js';
import type { ToolRegistry } from '../tool-registry.js';
import { CHAT_TOOL, type RouteDecision } from './route-decision.js';

/**
 * A rule names the slash command a request is equivalent to (`/arxiv 2401.12345`), so the tool's own
 * `toParams` builds the params and core never needs to know any tool's param shape. `sure` rules decide
 * before the model (the fast path); the others only when the model is down or its answers are unusable.
 */
interface Rule {
  name: string;
  sure: boolean;
  match(text: string): RuleTarget[] | undefined;
}

/** Candidate commands, tried in order; `handoff` marks work for a cloud brain. */
interface RuleTarget {
  command: string;
  args: string;
  handoff?: boolean;
}

const ARXIV_NEW_ID = /(?<![\w.])(\d{4}\.\d{4,5})(v\d+)?(?![\w.])/;
const ARXIV_OLD_ID = /\b([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?\b/;
const ARXIV_URL = /\barxiv\.org\/(?:abs|pdf|html)\/([^\s?#]+?)(?:\.pdf)?(?=[\s?#)\]>,]|$)/i;
const SAVE_WORDS = /\b(remember|save|note|notes|jot|store|keep|merk|notiz|rappelle|recuerda|guarda|apunta)\w*/i;
const CODE_FENCE = /```([a-zA-Z]*)\n?([\s\S]*?)```/;
const RUN_WORDS = /\b(run|execute|exec|eval|evaluate|try|test|ausführen|führ|exécute|ejecuta|esegui)\w*\b/i;

/** Words that only carry the request's intent, stripped to leave the topic for a search. */
function stripLead(text: string, lead: RegExp): string {
  return text
    .replace(lead, '')
    .replace(/[?!.]+$/, '')
    .replace(/^[\s:,-]+/, '')
    .trim();
}

function arxivId(text: string): string | undefined {
  const url = ARXIV_URL.exec(text);
  if (url?.[1]) return url[1];
  const modern = ARXIV_NEW_ID.exec(text);
  if (modern?.[1]) return `${modern[1]}${modern[2] ?? ''}`;
  const old = /arxiv/i.test(text) ? ARXIV_OLD_ID.exec(text) : null;
  return old?.[1] ? `${old[1]}${old[2] ?? ''}` : undefined;
}

const RULES: readonly Rule[] = [
  {
    name: 'arxiv-id',
    sure: true,
    match: (text) => {
      const id = arxivId(text);
      // "remember that 2401.12345 was good" is a note, not a lookup: leave it to the model.
      if (!id || SAVE_WORDS.test(text)) return undefined;
      return [{ command: 'arxiv', args: id }];
    },
  },
  {
    name: 'code-block',
    sure: true,
    match: (text) => {
      const fence = CODE_FENCE.exec(text);
      if (!fence || !RUN_WORDS.test(text.replace(CODE_FENCE, ''))) return undefined;
      const language = fence[1] ? `${fence[1]} ` : '';
      return [{ command: 'run', args: `${language}${fence[2]?.trim() ?? ''}` }];
    },
  },
  {
    name: 'daily-discover',
    sure: true,
    match: (text) =>
      /\b(daily discover|what'?s new on arxiv|new (?:arxiv )?papers (?:today|from today|of the day)|today'?s (?:arxiv )?papers|latest arxiv papers)\b/i.test(
        text,
      )
        ? [{ command: 'arxiv', args: 'discover' }]
        : undefined,
  },
  {
    name: 'note-save',
    sure: true,
    match: (text) => {
      const lead =
        /^(?:please\s+)?(?:remember(?: that)?|save (?:a |this )?note(?: that)?|note(?: down)?(?: that)?|jot down|merke? dir(?:,? dass)?)\s*[:,-]?\s+/i;
      if (!lead.test(text)) return undefined;
      const note = stripLead(text, lead);
      return [
        { command: 'note', args: note },
        { command: 'remember', args: note },
        { command: 'memory', args: `save ${note}` },
      ];
    },
  },
  {
    name: 'notes-search',
    sure: true,
    match: (text) => {
      const lead =
        /^(?:please\s+)?(?:(?:search|look (?:up|in|through)|find|check)(?: in)? my (?:notes|memory|brain|inbox)(?: for| about)?|what do i know about|what did i (?:save|note|write) about)\s*/i;
      if (!lead.test(text)) return undefined;
      return [{ command: 'memory', args: stripLead(text, lead) }];
    },
  },
  {
    name: 'coding-handoff',
    sure: false,
    match: (text) =>
      /\b(fix|implement|refactor|debug|write|add|rewrite|port|migrate|update)\b/i.test(text) &&
      /\b(bug|code|function|feature|tests?|endpoint|module|class|repo|repository|script|crash|error|ci)\b/i.test(text)
        ? [{ command: 'git', args: text, handoff: true }]
        : undefined,
  },
  {
    name: 'git-workflow',
    sure: false,
    match: (text) =>
      /\b(git|pull|push|rebase|branch|commit|pull request|pr|repo|repository|sync)\b/i.test(text)
        ? [{ command: 'git', args: text }]
        : undefined,
  },
  {
    name: 'arxiv-search',
    sure: false,
    match: (text) => {
      if (!/\b(arxiv|papers?|preprints?|articles?|publications?|research on|studies on)\b/i.test(text)) return undefined;
      const lead =
        /^(?:please\s+)?(?:(?:can you |could you )?(?:find|search|look up|look for|get|show|give)(?: me)?(?: for)?(?: the)?(?: recent| latest| new)?(?: arxiv)? (?:papers?|preprints?|articles?|publications?)(?: about| on| for| regarding| titled)?|search arxiv for|arxiv:?)\s*/i;
      return [{ command: 'arxiv', args: stripLead(text, lead) || text }];
    },
  },
  {
    name: 'run-snippet',
    sure: false,
    match: (text) => {
      const call = /\b(?:run|execute|evaluate|compute|calculate)\b\s*:?\s*(.*\S.*[()+\-*/=].*)$/i.exec(text);
      return call?.[1] ? [{ command: 'run', args: call[1].replace(/^`|`$/g, '') }] : undefined;
    },
  },
  {
    name: 'notes-guess',
    sure: false,
    match: (text) => (/\b(my notes|notes?|memory|saved|inbox)\b/i.test(text) ? [{ command: 'memory', args: text }] : undefined),
  },
];

/** The decision a rule's first workable target leads to; a handoff nobody's tool takes goes to the cloud as chat. */
function resolve(rule: Rule, targets: RuleTarget[], tools: ToolRegistry): RouteDecision | undefined {
  for (const target of targets) {
    const slash = tools.bySlashCommand(target.command);
    if (!slash) continue;
    let params: unknown;
    try {
      params = slash.toParams(target.args);
    } catch {
      continue;
    }
    const checked = slash.tool.params.safeParse(params);
    if (!checked.success || typeof params !== 'object' || params === null) continue;
    return {
      tool_name: slash.tool.name,
      params: params as Record<string, unknown>,
      handoff: target.handoff ?? false,
      reason: `rule ${rule.name}`,
    };
  }
  if (targets.some((target) => target.handoff)) return { tool_name: CHAT_TOOL, params: {}, handoff: true, reason: `rule ${rule.name}` };
  return undefined;
}

/** A slash command a tool declared: its params come from the tool itself; bad arguments get the usage line. */
export function routeSlashCommand(
  message: InboundMessage,
  tools: ToolRegistry,
): { decision: RouteDecision } | { problem: string } | undefined {
  const command = message.command;
  if (!command) return undefined;
  const slash = tools.bySlashCommand(command.name);
  if (!slash) return undefined;
  const usage = slash.tool.slashCommands.find((s) => s.command === command.name)?.usage ?? `/${command.name}`;
  let params: unknown;
  try {
    params = slash.toParams(command.args);
  } catch (error) {
    const detail = error instanceof Error ? `${error.message}. ` : '';
    return { problem: `${detail}Usage: \`${usage}\`` };
  }
  const checked = slash.tool.params.safeParse(params);
  if (!checked.success || typeof params !== 'object' || params === null) {
    const detail = checked.success ? '' : `${checked.error.issues[0]?.message ?? 'bad arguments'}. `;
    return { problem: `${detail}Usage: \`${usage}\`` };
  }
  return {
    decision: { tool_name: slash.tool.name, params: params as Record<string, unknown>, handoff: false, reason: `/${command.name}` },
  };
}

/** Apply the rules: only the sure ones on the fast path, all of them as the fallback. */
export function routeByRules(text: string, tools: ToolRegistry, mode: 'fast' | 'fallback'): RouteDecision | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  for (const rule of RULES) {
    if (mode === 'fast' && !rule.sure) continue;
    const targets = rule.match(trimmed);
    if (!targets) continue;
    const decision = resolve(rule, targets, tools);
    if (decision) return decision;
  }
  return undefined;
}
