import { createTwoFilesPatch } from 'diff';
import type { ModelInputsDigest } from '../contracts/recording.js';
import type { RecordedModelCall, RecordedRoute, Recording } from './recording.js';
import type { ReplayedModelCall } from './replay-model.js';
import type { ReplayRun } from './replay-task.js';

export type ReplayVerdict = 'identical' | 'different' | 'incomplete';

/** One thing compared: the route, the tool params or the reply. */
export interface ReplayCheck {
  name: 'route' | 'params' | 'reply';
  same: boolean;
  recorded: string;
  replayed: string;
  /** A unified diff when they differ and span lines. */
  diff?: string;
}

export interface ReplayReport {
  taskId: number;
  mode: 'recording' | 'live';
  /** identical; different (today's code or model decides otherwise); incomplete (the recording lacks what the replay asked for). */
  verdict: ReplayVerdict;
  checks: ReplayCheck[];
  /** Misses, cut outputs, live calls: why a verdict is what it is. */
  notes: string[];
}

function routeLine(route: RecordedRoute | null, withSource: boolean): string {
  if (!route) return 'not routed';
  const target = route.tool ? `${route.handoff ? 'handoff to the cloud brain for ' : ''}${route.tool}` : 'nothing fits';
  return withSource ? `${route.source} -> ${target}` : target;
}

/** Canonical params, one key per line, so a diff points at the key that changed. */
function paramsText(route: RecordedRoute | null): string {
  if (!route?.params) return '(none)';
  if (route.params.cutFrom) return route.params.text;
  return JSON.stringify(JSON.parse(route.params.text), null, 2);
}

function unifiedDiff(recorded: string, replayed: string): string {
  const patch = createTwoFilesPatch('recorded', 'replayed', `${recorded}\n`, `${replayed}\n`, undefined, undefined, { context: 2 });
  // Drop the "====" banner: the --- and +++ lines say which is which.
  return patch
    .split('\n')
    .filter((line) => !/^=+$/.test(line))
    .join('\n')
    .trimEnd();
}

function check(name: ReplayCheck['name'], recorded: string, replayed: string): ReplayCheck {
  const same = recorded === replayed;
  const multiline = recorded.includes('\n') || replayed.includes('\n');
  return { name, same, recorded, replayed, ...(!same && multiline ? { diff: unifiedDiff(recorded, replayed) } : {}) };
}

function replyText(reply: { text: string; attachments?: ReadonlyArray<{ path: string }> | undefined } | null): string {
  if (!reply) return '(no reply)';
  const images = reply.attachments?.map((image) => `[image ${image.path}]`) ?? [];
  return [reply.text, ...images].join('\n');
}

/** Which parts of a model call's inputs changed since it was recorded. */
export function explainInputs(recorded: ModelInputsDigest | undefined, now: ModelInputsDigest): string {
  if (!recorded) return 'the recording has no digest of its inputs';
  const changes: string[] = [];
  if (recorded.model !== now.model) changes.push(`the model (${recorded.model ?? 'default'} -> ${now.model ?? 'default'})`);
  if (recorded.settings !== now.settings) changes.push('the answer format, temperature or limits');
  if (recorded.messages.length !== now.messages.length) {
    changes.push(`the number of messages (${recorded.messages.length} -> ${now.messages.length}, e.g. earlier turns of the thread)`);
  }
  now.messages.forEach((message, index) => {
    const before = recorded.messages[index];
    if (before && (before.hash !== message.hash || before.role !== message.role)) {
      changes.push(`message ${index + 1} (${message.role}, ${before.chars} -> ${message.chars} characters)`);
    }
  });
  return changes.length ? `changed: ${changes.join('; ')}` : 'the inputs match a recorded call that was already used';
}

function missNote(call: ReplayedModelCall, recorded: readonly RecordedModelCall[], ordinal: number): string {
  const same = recorded.filter((candidate) => candidate.purpose === call.purpose);
  const counterpart = same[ordinal] ?? same[0];
  if (!counterpart) return `The replay made a ${call.purpose} model call the task never made; no model was asked.`;
  return `The ${call.purpose} model call is not in the recording (${explainInputs(counterpart.inputs, call.inputs)}); no model was asked. Run with --live to ask today's model.`;
}

/** Compare a replay with its recording: route, params and reply, and the notes that explain the verdict. */
export function compareReplay(recording: Recording, run: ReplayRun, mode: 'recording' | 'live'): ReplayReport {
  const notes: string[] = [];
  let incomplete = false;
  const seen = new Map<string, number>();
  for (const call of run.modelCalls) {
    const ordinal = seen.get(call.purpose) ?? 0;
    seen.set(call.purpose, ordinal + 1);
    if (call.answeredBy === 'nothing') {
      incomplete = true;
      notes.push(missNote(call, recording.modelCalls, ordinal));
    } else if (call.failed) {
      incomplete = true;
      notes.push(`Today's model did not answer the ${call.purpose} call: ${call.failed}`);
    }
  }
  for (const call of run.toolCalls) {
    const what = call.tool === 'handoff' ? 'The cloud run' : `The ${call.tool} tool`;
    if (!call.found) {
      incomplete = true;
      notes.push(
        `${what} was asked for something the recording does not have (params hash ${call.key.slice(0, 12)}); a replay never runs it.`,
      );
    } else if (call.cutFrom) {
      incomplete = true;
      notes.push(`${what}'s recorded output was cut to its first characters (of ${call.cutFrom}); the reply can only match up to there.`);
    }
  }
  if (recording.route?.params?.cutFrom) {
    incomplete = true;
    notes.push(`The recorded params were cut (of ${recording.route.params.cutFrom} characters).`);
  }
  const live = run.modelCalls.filter((call) => call.answeredBy === 'live' && !call.failed);
  if (live.length) {
    const ms = live.reduce((sum, call) => sum + (call.latencyMs ?? 0), 0);
    notes.push(
      `Today's model answered ${live.length} call${live.length === 1 ? '' : 's'} (${Math.round(ms)} ms); tools and cloud runs answered from the recording.`,
    );
  }
  // Live, the route cache is skipped on purpose: compare where the request goes, not how it was decided.
  const withSource = mode === 'recording';
  const checks = [
    check('route', routeLine(recording.route, withSource), routeLine(run.route, withSource)),
    check('params', paramsText(recording.route), paramsText(run.route)),
    check('reply', replyText(recording.reply), replyText(run.reply)),
  ];
  const verdict: ReplayVerdict = incomplete ? 'incomplete' : checks.every((c) => c.same) ? 'identical' : 'different';
  return { taskId: recording.task.id, mode, verdict, checks, notes };
}
