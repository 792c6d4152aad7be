import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Db, openDatabase, openDatabaseReadOnly } from '../../storage/db.js';
import { SqliteOutbox } from '../../storage/outbox.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { AccessPolicy } from '../access.js';
import type { Config, Paths } from '../config.js';
import type { Tool } from '../contracts/tool.js';
import { describeForUser, isPieBrainError } from '../errors.js';
import { systemClock } from '../lib/clock.js';
import { OllamaProvider } from '../llm/ollama.js';
import { type Logger, redactSecrets } from '../logger.js';
import { compareReplay } from './compare-replay.js';
import { formatReplayReport } from './format-report.js';
import { parseRecording, type Recording, readRecording } from './recording.js';
import { notReplayable, replayTask } from './replay-task.js';

export const REPLAY_USAGE = `Usage:
  pie-brain replay <task-id> [--live] [--json]   run a finished task again against its recording and compare
  pie-brain replay <task-id> --save FILE          write the task's recording to FILE (a test fixture)
  pie-brain replay --file FILE [--live] [--json]  replay a saved recording

  --live   ask today's model (OLLAMA_HOST) instead of the recording; tools still answer from the recording
  --json   print the report as JSON
Exit code: 0 identical, 1 different or incomplete, 2 nothing to replay or a usage error.
`;

export interface ReplayCliContext {
  config: Config;
  paths: Paths;
  /** Secret values: never printed nor saved. */
  secrets: readonly string[];
  logger: Logger;
  /** Today's tools (main.ts loads the tools folder; none of them runs). */
  loadTools(db: Db): Promise<Tool[]>;
  out(chunk: string): void;
  err(chunk: string): void;
}

interface ReplayArgs {
  taskId?: number;
  file?: string;
  save?: string;
  live: boolean;
  json: boolean;
}

function parseArgs(args: readonly string[]): ReplayArgs | string {
  const parsed: ReplayArgs = { live: false, json: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--live') parsed.live = true;
    else if (arg === '--json') parsed.json = true;
    else if (arg === '--file' || arg === '--save') {
      const value = args[i + 1];
      if (!value || value.startsWith('--')) return `${arg} wants a file name`;
      parsed[arg === '--file' ? 'file' : 'save'] = value;
      i += 1;
    } else if (/^#?\d+$/.test(arg) && parsed.taskId === undefined) parsed.taskId = Number(arg.replace('#', ''));
    else return `unexpected "${arg}"`;
  }
  if ((parsed.taskId === undefined) === (parsed.file === undefined)) return 'name a task id or --file FILE (one of them)';
  if (parsed.save && parsed.file) return '--save takes a task id, not --file';
  return parsed;
}

/** A recording from a file: JSON, checked field by field. */
function loadFile(file: string): Recording {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON';
    throw new Error(`cannot read ${file}: ${reason}`);
  }
  return parseRecording(value, file);
}

/** `pie-brain replay ...`; returns the exit code. */
export async function runReplayCli(args: readonly string[], context: ReplayCliContext): Promise<number> {
  const { config, paths, secrets } = context;
  const say = (text: string) => context.out(redactSecrets(text, secrets));
  const fail = (text: string) => {
    context.err(redactSecrets(`pie-brain replay: ${text}\n`, secrets));
    return 2;
  };
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    context.err(`pie-brain replay: ${parsed}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  const file = join(paths.home, 'pie-brain.db');
  // A saved recording replays on an empty scratch database (no earlier turns); a task id reads the data dir,
  // opened read-only so a replay next to a running pie-brain can change nothing.
  let db: Db;
  if (parsed.file) db = openDatabase(':memory:');
  else if (existsSync(file)) db = openDatabaseReadOnly(file, { busyTimeoutMs: config.storage.busyTimeoutMs });
  else return fail(`there is no database at ${file} (PIE_BRAIN_HOME)`);
  try {
    const queue = new SqliteTaskQueue(db);
    const outbox = new SqliteOutbox(db);
    let recording: Recording | undefined;
    try {
      recording = parsed.file ? loadFile(parsed.file) : readRecording(queue, outbox, parsed.taskId as number);
    } catch (error) {
      return fail(isPieBrainError(error) ? error.message : error instanceof Error ? error.message : String(error));
    }
    if (!recording) return fail(`there is no task ${parsed.taskId}`);
    if (parsed.save) {
      writeFileSync(parsed.save, redactSecrets(`${JSON.stringify(recording, null, 2)}\n`, secrets));
      say(`Saved the recording of task ${recording.task.id} to ${parsed.save}\n`);
      return 0;
    }
    const reason = notReplayable(recording);
    if (reason) return fail(reason);
    const live = parsed.live
      ? new OllamaProvider({ host: config.ollama.host, model: config.router.model, keepAlive: config.router.keepAlive })
      : undefined;
    const run = await replayTask(recording, {
      config,
      paths,
      tools: await context.loadTools(db),
      policy: new AccessPolicy(config),
      history: { queue, outbox },
      clock: systemClock,
      logger: context.logger,
      ...(live ? { live } : {}),
    });
    const report = compareReplay(recording, run, live ? 'live' : 'recording');
    say(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report));
    return report.verdict === 'identical' ? 0 : 1;
  } catch (error) {
    return fail(describeForUser(error));
  } finally {
    db.close();
  }
}
