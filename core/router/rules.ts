import { parseToolArgs } from '../commands/tool-commands.js';
import { CHAT_TOOL, type RouteDecision } from '../contracts/route-decision.js';
import type { ToolRegistry } from '../engine/tool-registry.js';

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

/** Candidate commands, tried in order; `handoff` marks work for a cloud brain; `chat` means no tool at all. */
type RuleTarget = { command: string; args: string; handoff?: boolean } | { chat: true; handoff?: boolean };

const ARXIV_NEW_ID = /(?<![\w.])(\d{4}\.\d{4,5})(v\d+)?(?![\w.])/;
const ARXIV_OLD_ID = /\b([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?\b/;
const ARXIV_URL = /\barxiv\.org\/(?:abs|pdf|html)\/([^\s?#]+?)(?:\.pdf)?(?=[\s?#)\]>,]|$)/i;
const SAVE_WORDS = /\b(remember|save|note|notes|jot|store|keep|merk|notiz|rappelle|recuerda|guarda|apunta)\w*/i;
const CODE_FENCE = /```([a-zA-Z]*)\n?([\s\S]*?)```/;
const RUN_WORDS = /\b(run|rn|execute|exec|eval|evaluate|try|test|ausführen|führe?|exécute|ejecuta|esegui)\w*\b/i;
const INJECTION =
  /\b(?:ignore|disregard|forget)\s+(?:all\s+|the\s+|your\s+|any\s+|previous\s+|prior\s+)*(?:above|previous|prior|earlier|instructions|rules|prompt)\b|\bnew instructions\b|\b(?:print|reveal|show|repeat|tell me)\b.{0,30}\b(?:system prompt|your instructions)\b|\brm\s+-rf\b|\|\s*(?:ba|z)?sh\b|\bignoriere\b.*\banweisungen\b/i;
const SAVE_LEAD =
  /^(?:please\s+)?(?:re?me?m?b(?:er|re)(?: that)?|save (?:a |this )?note(?: that)?|note(?: down)?(?: that)?|jot down|store (?:this|that)|keep (?:this|that) in mind|merke? dir(?:,? dass)?|guarda(?: una)? nota|apunta|retiens(?: que)?|记住|覚えて)\s*[:：,-]?\s*/i;
const SEARCH_LEAD =
  /^(?:please\s+)?(?:(?:search|serach|look (?:up|in|through)|find|check)(?: in)? my (?:notes|notse|memory|brain|inbox)(?: for| about)?|what do i know about|did i (?:save|note|write) (?:anything )?(?:about|on)|what did i (?:save|note|write) about)\s*/i;
const ARXIV_LEAD =
  /^(?:please\s+)?(?:(?:can you |could you )?(?:find|search|look up|look for|get|show|give|pull)(?: me)?(?: for)?(?: the)?(?: recent| latest| newest| new)?(?: arxiv)? (?:papers?|preprints?|articles?|publications?|research)(?: about| on| for| regarding| titled)?|search arxiv for|arxiv:?)\s*/i;

/** Text that tries to steer pie-brain itself (new instructions, its prompt, shell commands): never a tool's input. */
export function readsAsSteering(text: string): boolean {
  return INJECTION.test(text);
}

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
    // Requests that try to steer pie-brain itself never reach a tool (nor the routing model).
    name: 'injection',
    sure: true,
    match: (text) => (readsAsSteering(text) ? [{ chat: true }] : undefined),
  },
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
      if (!SAVE_LEAD.test(text)) return undefined;
      const note = stripLead(text, SAVE_LEAD);
      if (!note) return undefined;
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
    match: (text) => (SEARCH_LEAD.test(text) ? [{ command: 'memory', args: stripLead(text, SEARCH_LEAD) }] : undefined),
  },
  {
    name: 'coding-handoff',
    sure: false,
    match: (text) => {
      const alone = /\b(refactor|implement|implementiere|implementa|implémente|debug|corrige|behebe)\w*/i.test(text);
      const paired =
        /\b(fix|write|add|rewrite|port|migrate|update)\b/i.test(text) &&
        /\b(bug|code|function|feature|tests?|endpoint|module|class|repo|repository|script|crash|error|ci|readme|parser)\b/i.test(text);
      return alone || paired ? [{ command: 'git', args: text, handoff: true }] : undefined;
    },
  },
  {
    name: 'heavy-work',
    sure: false,
    match: (text) =>
      /\b(\d{3,}[- ]words?|essay|thorough|in-depth|detailed (?:summary|report|plan|curriculum|analysis)|business plan|literature review|long report)\b/i.test(
        text,
      )
        ? [{ chat: true, handoff: true }]
        : undefined,
  },
  {
    name: 'arxiv-search',
    sure: false,
    match: (text) => {
      if (!/\b(arxiv|papers?|preprints?|articles?|artículos|articoli|artigos|publications?|published|research)\b|论文|論文/i.test(text)) {
        return undefined;
      }
      return [{ command: 'arxiv', args: stripLead(text, ARXIV_LEAD) || text }];
    },
  },
  {
    name: 'git-workflow',
    sure: false,
    match: (text) =>
      /\b(git|pull|push|rebase|branch|commit|pull request|pr|repo|repository|sync|snyc)\b/i.test(text)
        ? [{ command: 'git', args: text }]
        : undefined,
  },
  {
    name: 'run-snippet',
    sure: false,
    match: (text) => {
      if (!RUN_WORDS.test(text) && !/\b(compute|calculate)\b/i.test(text)) return undefined;
      const code = /(?:^|[:：]\s*|\b(?:run|execute|evaluate)\s+)([\w.]+\(.*\)|`[^`]+`)\s*$/i.exec(text)?.[1];
      return code ? [{ command: 'run', args: code.replace(/^`|`$/g, '') }] : undefined;
    },
  },
  {
    name: 'notes-guess',
    sure: false,
    match: (text) =>
      /\b(my notes|notes?|memory|saved|inbox|notiz|notas?)\b|(?<!\w)noté(?!\w)/i.test(text)
        ? [{ command: 'memory', args: stripLead(text, SEARCH_LEAD) || text }]
        : undefined,
  },
];

/** The decision a rule's first workable target leads to; a handoff nobody's tool takes goes to the cloud as chat. */
function resolve(rule: Rule, targets: RuleTarget[], tools: ToolRegistry): RouteDecision | undefined {
  for (const target of targets) {
    if ('chat' in target) return { tool_name: CHAT_TOOL, params: {}, handoff: target.handoff ?? false, reason: `rule ${rule.name}` };
    const slash = tools.bySlashCommand(target.command);
    if (!slash) continue;
    const parsed = parseToolArgs(slash.tool, slash.slash, target.args);
    if ('problem' in parsed) continue;
    return { ...parsed.decision, handoff: target.handoff ?? false, reason: `rule ${rule.name}` };
  }
  if (targets.some((target) => 'handoff' in target && target.handoff))
    return { tool_name: CHAT_TOOL, params: {}, handoff: true, reason: `rule ${rule.name}` };
  return undefined;
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
