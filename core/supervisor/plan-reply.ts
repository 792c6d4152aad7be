import {
  type PlanSessionRecord,
  type PlanStatus,
  type PlanStepRecord,
  type PlanStepStatus,
  planStopped,
} from '../../storage/plan-sessions.js';
import type { Attachment, Reply } from '../contracts/messages.js';
import { CHAT_TOOL } from '../contracts/route-decision.js';
import { zonedParts } from '../lib/zoned-time.js';

const STEP_REPLY_CHARS = 1500;
const STATUS_DETAIL_CHARS = 200;
const GOAL_CHARS = 80;

const STEP_WORDS: Record<PlanStepStatus, string> = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  failed: 'failed',
  refused: 'refused',
  skipped: 'skipped',
  interrupted: 'interrupted',
};

const SOURCE_WORDS: Record<string, string> = {
  model: 'planned by the local model',
  'model-repaired': 'planned by the local model (second try)',
  rules: 'planned by the rules',
};

function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max)} [...]` : trimmed;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Where a step ran: a tool, the local model (chat), or the cloud brain. */
function whereItRan(step: Pick<PlanStepRecord, 'toolName' | 'handoff'>): string {
  if (step.handoff) return step.toolName === CHAT_TOOL ? 'cloud brain' : `cloud brain, ${step.toolName}`;
  return step.toolName === CHAT_TOOL ? 'local model' : step.toolName;
}

/** done when every step is done, partial when some are, failed when none is (or there were none). */
export function overallStatus(steps: readonly Pick<PlanStepRecord, 'status'>[]): Exclude<PlanStatus, 'running'> {
  const done = steps.filter((step) => step.status === 'done').length;
  if (steps.length > 0 && done === steps.length) return 'done';
  return done > 0 ? 'partial' : 'failed';
}

/** The plan's status as a user should read it: a plan whose task ended while it ran was stopped. */
export function describeStatus(session: Pick<PlanSessionRecord, 'status' | 'taskStatus'>): string {
  if (!planStopped(session)) return session.status;
  return `stopped (its task ${session.taskStatus ? `is ${session.taskStatus}` : 'is gone'})`;
}

/** How many steps ended how: "2 of 3 steps done; 1 refused". */
export function tally(steps: readonly Pick<PlanStepRecord, 'status'>[]): string {
  const counts = new Map<PlanStepStatus, number>();
  for (const step of steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  const others = [...counts]
    .filter(([status]) => status !== 'done')
    .map(([status, count]) => `${count} ${STEP_WORDS[status]}`)
    .join(', ');
  return `${counts.get('done') ?? 0} of ${plural(steps.length, 'step')} done${others ? `; ${others}` : ''}`;
}

function stepLine(step: PlanStepRecord): string {
  return `*${step.index + 1}. ${step.title}* (${whereItRan(step)}): ${STEP_WORDS[step.status]}`;
}

function header(session: PlanSessionRecord): string[] {
  const lines = [`*Plan ${session.id}* for “${clip(session.goal, GOAL_CHARS)}” (${SOURCE_WORDS[session.source] ?? session.source})`];
  if (session.problem) lines.push(`_${session.problem}_`);
  if (session.context.length) lines.push(`Notes that may help: ${session.context.map((note) => `*${note.title}*`).join(', ')}`);
  return lines;
}

/** The plan's outline, sent as progress when a plan of several steps starts. */
export function planOutline(session: PlanSessionRecord): Reply {
  const steps = session.steps.map((step) => `${step.index + 1}. ${step.title} (${whereItRan(step)})`);
  return { text: [...header(session), ...steps, '', `Working on it; \`/plan status\` shows how far it got.`].join('\n') };
}

/** The answer to a plan: every step with its status and what it answered (or why it did not). */
export function planAnswer(session: PlanSessionRecord): Reply {
  const lines = header(session);
  const attachments: Attachment[] = [];
  for (const step of session.steps) {
    lines.push('', stepLine(step));
    const body = step.reply?.text ?? step.error;
    if (body) lines.push(clip(body, STEP_REPLY_CHARS));
    attachments.push(...(step.reply?.attachments ?? []));
  }
  lines.push('', `${tally(session.steps)}.`);
  return { text: lines.join('\n'), ...(attachments.length ? { attachments } : {}) };
}

/** `/plan status`: the plan and each step's status, with a line of what each answered. */
export function planStatus(session: PlanSessionRecord, timeZone: string): Reply {
  const lines = [
    ...header(session),
    `Status: ${describeStatus(session)}, ${tally(session.steps)}; started ${formatWhen(session.createdAt, timeZone)}.`,
  ];
  for (const step of session.steps) {
    const detail = step.reply?.text ?? step.error;
    lines.push(`- ${stepLine(step)}${detail ? `: ${clip(detail.replace(/\s+/g, ' '), STATUS_DETAIL_CHARS)}` : ''}`);
  }
  return { text: lines.join('\n') };
}

/** `/plan history`: one line per plan, newest first; with `showUser`, whose it was. */
export function planHistory(sessions: readonly PlanSessionRecord[], timeZone: string, showUser: boolean): Reply {
  if (sessions.length === 0)
    return { text: 'No plans yet. Try `/plan <goal>`, for example `/plan search my notes for RAG; then find papers on it`.' };
  const lines = ['*Plans*, newest first:'];
  for (const session of sessions) {
    const who = showUser ? ` ${session.platform}:${session.userId}` : '';
    lines.push(
      `- #${session.id} ${formatWhen(session.createdAt, timeZone)}${who}: ${describeStatus(session)}, ${tally(session.steps)}: ${clip(session.goal, GOAL_CHARS)}`,
    );
  }
  lines.push('', '`/plan status <id>` shows one of them.');
  return { text: lines.join('\n') };
}

/** `2026-11-23 12:00` in the configured time zone. */
export function formatWhen(at: number, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
