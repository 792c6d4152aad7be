import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { JobRun, JobRunStore } from '../storage/job-runs.js';
import type { KeyValueStore } from '../storage/kv.js';
import { CronSchedule } from './cron-schedule.js';

/** What a job gets each time it runs. */
export interface JobContext {
  /** The slot this run is for (a caught-up run's slot is in the past). */
  scheduledFor: number;
  caughtUp: boolean;
  signal: AbortSignal;
}

/** A scheduled job: one file each in jobs/, listed once in main.ts. */
export interface Job {
  name: string;
  cron: string;
  /** Whether a run missed while pie-brain was down runs at boot (within the grace window). */
  catchUp?: boolean;
  /** A short summary of what the run did, stored with the run. */
  run(ctx: JobContext): Promise<string | undefined>;
}

export interface JobStatus {
  name: string;
  cron: string;
  running: boolean;
  lastRun: JobRun | undefined;
  nextRunAt: number | undefined;
}

export interface SchedulerOptions {
  runs: JobRunStore;
  kv: KeyValueStore;
  clock: Clock;
  logger: Logger;
  timeZone: string;
  /** A run missed while the Pi was off runs at boot if its slot is at most this old. */
  graceMs: number;
  /** Called when a run fails (the jobs' own alerts say more). */
  onFailure?(job: string, error: unknown): void;
}

// setTimeout cannot wait longer than ~24.8 days; longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  job: Job;
  schedule: CronSchedule;
  timer?: TimerHandle;
  nextRunAt?: number;
  running?: Promise<void>;
  controller?: AbortController;
}

/**
 * Runs jobs on cron expressions (node-cron's parser) in the configured time zone, on the injected clock.
 * Every run is stored; a job never overlaps itself; a run missed while pie-brain was down runs once at
 * boot when it is recent enough, and is recorded as skipped when it is not.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private started = false;

  constructor(private readonly options: SchedulerOptions) {}

  add(job: Job): void {
    if (this.entries.has(job.name)) throw new Error(`Two jobs are named ${job.name}`);
    this.entries.set(job.name, { job, schedule: new CronSchedule(job.cron, this.options.timeZone) });
    if (this.started) this.arm(this.entries.get(job.name) as Entry);
  }

  start(): void {
    const { clock, kv, runs, logger } = this.options;
    const now = clock.now();
    this.started = true;
    const interrupted = runs.failInterrupted(now);
    if (interrupted) logger.warn({ runs: interrupted }, 'job runs were interrupted by the last shutdown');
    for (const entry of this.entries.values()) {
      const firstSeenKey = `scheduler:first-seen:${entry.job.name}`;
      const firstSeen = kv.get<number>(firstSeenKey) ?? now;
      if (kv.get<number>(firstSeenKey) === undefined) kv.set(firstSeenKey, now, now);
      this.catchUp(entry, firstSeen, now);
      this.arm(entry);
    }
  }

  /** Stop the timers and let running jobs finish for up to `graceMs`, then abort them. */
  async stop(graceMs = 5000): Promise<void> {
    this.started = false;
    for (const entry of this.entries.values()) if (entry.timer) this.options.clock.clearTimeout(entry.timer);
    const running = [...this.entries.values()].flatMap((entry) => (entry.running ? [entry.running] : []));
    if (running.length === 0) return;
    await this.settle(running, graceMs);
    for (const entry of this.entries.values()) entry.controller?.abort(new Error('pie-brain is shutting down'));
    // A job that ignores its signal is left behind rather than holding the shutdown.
    await this.settle(running, graceMs);
  }

  private async settle(work: Array<Promise<void>>, ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(work),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  status(): JobStatus[] {
    return [...this.entries.values()].map((entry) => ({
      name: entry.job.name,
      cron: entry.job.cron,
      running: entry.running !== undefined,
      lastRun: this.options.runs.last(entry.job.name),
      nextRunAt: entry.nextRunAt,
    }));
  }

  /** Run a job now, outside its schedule (`/digest now`). Resolves when it has finished. */
  async runNow(name: string): Promise<JobRun | undefined> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`No job named ${name}`);
    await this.execute(entry, this.options.clock.now(), false);
    return this.options.runs.last(name);
  }

  private catchUp(entry: Entry, firstSeen: number, now: number): void {
    const { runs, graceMs, logger } = this.options;
    const last = runs.last(entry.job.name);
    const since = Math.max(firstSeen, last?.scheduledFor ?? firstSeen);
    const missed = entry.schedule.next(since);
    if (missed === undefined || missed > now) return;
    const recent = entry.schedule.previous(now, graceMs);
    if (entry.job.catchUp !== false && recent !== undefined && recent >= missed) {
      logger.info({ job: entry.job.name, slot: new Date(recent).toISOString() }, 'running a job missed while pie-brain was down');
      void this.execute(entry, recent, true);
      return;
    }
    const id = runs.start(entry.job.name, missed, now, { status: 'skipped' });
    const detail = `missed while pie-brain was down; the slot was ${Math.round((now - missed) / 60_000)} min ago`;
    runs.finish(id, 'skipped', now, undefined, detail);
    logger.warn({ job: entry.job.name, slot: new Date(missed).toISOString() }, 'a missed job run is too old to catch up; skipped');
  }

  private arm(entry: Entry): void {
    const { clock } = this.options;
    if (!this.started) return;
    if (entry.timer) clock.clearTimeout(entry.timer);
    const now = clock.now();
    const next = entry.schedule.next(now);
    entry.nextRunAt = next;
    if (next === undefined) return;
    const wait = next - now;
    entry.timer = clock.setTimeout(
      () => {
        if (clock.now() < next) this.arm(entry);
        else {
          void this.execute(entry, next, false);
          this.arm(entry);
        }
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    entry.timer.unref?.();
  }

  private execute(entry: Entry, scheduledFor: number, caughtUp: boolean): Promise<void> {
    const { runs, clock, logger } = this.options;
    if (entry.running) {
      const id = runs.start(entry.job.name, scheduledFor, clock.now(), { status: 'skipped', caughtUp });
      runs.finish(id, 'skipped', clock.now(), undefined, 'the previous run was still going');
      logger.warn({ job: entry.job.name }, 'a job run was skipped: the previous run is still going');
      return entry.running;
    }
    const controller = new AbortController();
    const id = runs.start(entry.job.name, scheduledFor, clock.now(), { caughtUp });
    entry.controller = controller;
    entry.running = (async () => {
      try {
        const summary = await entry.job.run({ scheduledFor, caughtUp, signal: controller.signal });
        runs.finish(id, 'ok', clock.now(), undefined, summary ?? undefined);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        runs.finish(id, 'failed', clock.now(), message);
        logger.error({ job: entry.job.name, err: error }, 'a job run failed');
        this.options.onFailure?.(entry.job.name, error);
      } finally {
        entry.running = undefined;
        entry.controller = undefined;
      }
    })();
    return entry.running;
  }
}
