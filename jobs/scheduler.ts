import type { Clock, TimerHandle } from '../core/lib/clock.js';
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

/** A scheduled job: one file each in jobs/, listed once in compose.ts. */
export interface Job {
  name: string;
  cron: string;
  /** Whether a run missed while pie-brain was down runs at boot (within the grace window). */
  catchUp?: boolean;
  /**
   * `failures`: only failed runs are stored, the last run is kept in memory. For frequent jobs whose runs
   * matter only when they fail (the heartbeat): two committed rows every few minutes wear an SD card.
   */
  store?: 'all' | 'failures';
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

// setTimeout cannot wait longer than ~24.8 days; and a Pi has no real-time clock, so NTP may move the wall
// clock by hours after start. Timers run on monotonic time: waking at least this often re-reads the wall
// clock, so a jump in either direction is noticed within this long.
const CHECK_MS = 10 * 60_000;
// A run that starts this long after its slot (a late timer, a forward jump) counts as caught up.
const ON_TIME_MS = 60_000;

interface Entry {
  job: Job;
  schedule: CronSchedule;
  /** The latest slot already handled (run or skipped): no slot at or before it runs again. */
  handledUpTo: number;
  timer?: TimerHandle;
  nextRunAt?: number;
  running?: Promise<void>;
  controller?: AbortController;
  /** The last run of a job that stores only failures, when it succeeded. */
  lastRun?: JobRun;
}

/**
 * Runs jobs on cron expressions in the configured time zone, on the injected clock. Every run is stored
 * (only the failures of a job with `store: 'failures'`);
 * a job never overlaps itself and never runs a slot twice, also when the wall clock jumps back. A slot
 * missed while pie-brain was down, or skipped over by a forward jump of the wall clock, runs once when it
 * is within the grace window and is recorded as skipped when it is not.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private started = false;

  constructor(private readonly options: SchedulerOptions) {}

  add(job: Job): void {
    if (this.entries.has(job.name)) throw new Error(`Two jobs are named ${job.name}`);
    const entry: Entry = { job, schedule: new CronSchedule(job.cron, this.options.timeZone), handledUpTo: this.options.clock.now() };
    this.entries.set(job.name, entry);
    if (this.started) this.arm(entry);
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
      entry.handledUpTo = Math.max(firstSeen, runs.last(entry.job.name)?.scheduledFor ?? firstSeen);
      this.wake(entry);
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
      lastRun: this.lastRun(entry),
      nextRunAt: entry.nextRunAt,
    }));
  }

  /** Run a job now, outside its schedule (`/digest now`). Resolves when it has finished. */
  async runNow(name: string): Promise<JobRun | undefined> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`No job named ${name}`);
    await this.execute(entry, this.options.clock.now(), false);
    return this.lastRun(entry);
  }

  private lastRun(entry: Entry): JobRun | undefined {
    const stored = this.options.runs.last(entry.job.name);
    if (!entry.lastRun) return stored;
    return stored && stored.startedAt > entry.lastRun.startedAt ? stored : entry.lastRun;
  }

  /** Read the wall clock, handle any slot that is due (on time, missed or jumped over), and re-arm. */
  private wake(entry: Entry): void {
    if (!this.started) return;
    const now = this.options.clock.now();
    const missed = entry.schedule.next(entry.handledUpTo);
    if (missed !== undefined && missed <= now) this.handleDue(entry, missed, now);
    this.arm(entry);
  }

  private handleDue(entry: Entry, missed: number, now: number): void {
    const { runs, graceMs, logger } = this.options;
    // The latest slot at or before now; every slot up to it is handled by what follows, once.
    const latest = entry.schedule.previous(now, now - missed) ?? missed;
    entry.handledUpTo = latest;
    const late = now - latest;
    if (late <= ON_TIME_MS) {
      void this.execute(entry, latest, false);
      return;
    }
    if (entry.job.catchUp !== false && late <= graceMs) {
      logger.info({ job: entry.job.name, slot: new Date(latest).toISOString() }, 'running a missed job slot');
      void this.execute(entry, latest, true);
      return;
    }
    const id = runs.start(entry.job.name, latest, now, { status: 'skipped' });
    const detail = `missed (pie-brain was down or the clock jumped); the slot was ${Math.round(late / 60_000)} min ago`;
    runs.finish(id, 'skipped', now, undefined, detail);
    logger.warn({ job: entry.job.name, slot: new Date(latest).toISOString() }, 'a missed job slot is too old to catch up; skipped');
  }

  private arm(entry: Entry): void {
    const { clock } = this.options;
    if (!this.started) return;
    if (entry.timer) clock.clearTimeout(entry.timer);
    const now = clock.now();
    const next = entry.schedule.next(Math.max(now, entry.handledUpTo));
    entry.nextRunAt = next;
    const wait = next === undefined ? CHECK_MS : Math.min(Math.max(0, next - now), CHECK_MS);
    entry.timer = clock.setTimeout(() => this.wake(entry), wait);
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
    const startedAt = clock.now();
    const storeAll = entry.job.store !== 'failures';
    const id = storeAll ? runs.start(entry.job.name, scheduledFor, startedAt, { caughtUp }) : undefined;
    entry.controller = controller;
    entry.running = (async () => {
      try {
        const summary = await entry.job.run({ scheduledFor, caughtUp, signal: controller.signal });
        if (id !== undefined) runs.finish(id, 'ok', clock.now(), undefined, summary ?? undefined);
        else {
          const detail = summary ?? null;
          entry.lastRun = {
            id: 0,
            job: entry.job.name,
            scheduledFor,
            startedAt,
            finishedAt: clock.now(),
            status: 'ok',
            caughtUp,
            error: null,
            detail,
          };
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        runs.finish(id ?? runs.start(entry.job.name, scheduledFor, startedAt, { caughtUp }), 'failed', clock.now(), message);
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
