import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { CronSchedule } from '../../jobs/cron-schedule.js';
import { type Job, Scheduler } from '../../jobs/scheduler.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { JobRunStore } from '../../storage/job-runs.js';
import { KeyValueStore } from '../../storage/kv.js';
import { FakeClock, flushMicrotasks } from '../fakes/clock.js';
import { tempDir } from '../helpers.js';

const HOUR = 3_600_000;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('CronSchedule', () => {
  it('evaluates in the configured time zone', () => {
    const schedule = new CronSchedule('0 8 * * *', 'America/New_York');
    expect(iso(schedule.next(Date.parse('2026-11-23T12:00:00Z')))).toBe('2026-11-23T13:00:00.000Z');
    expect(iso(schedule.next(Date.parse('2026-11-23T13:00:00Z')))).toBe('2026-11-24T13:00:00.000Z');
  });

  it('spring forward: a time inside the gap runs at the first minute after it, once', () => {
    const schedule = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    const first = schedule.next(Date.parse('2026-03-28T12:00:00Z'));
    expect(iso(first)).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(schedule.next(first as number))).toBe('2026-03-30T00:30:00.000Z');
  });

  it('fall back: a wall time that happens twice runs once', () => {
    const schedule = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    const first = schedule.next(Date.parse('2026-10-24T12:00:00Z'));
    expect(iso(first)).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(schedule.next(first as number))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('weekdays and steps', () => {
    const weekdays = new CronSchedule('0 20 * * 0-4', 'America/New_York');
    // Friday 2026-11-27 evening -> next is Sunday 2026-11-29 20:00 EST
    expect(iso(weekdays.next(Date.parse('2026-11-27T12:00:00Z')))).toBe('2026-11-30T01:00:00.000Z');
    const every5 = new CronSchedule('*/5 * * * *', 'UTC');
    expect(iso(every5.next(Date.parse('2026-11-23T12:01:30Z')))).toBe('2026-11-23T12:05:00.000Z');
    expect(iso(every5.previous(Date.parse('2026-11-23T12:07:00Z'), HOUR))).toBe('2026-11-23T12:05:00.000Z');
  });

  it('rejects a bad expression with a readable message', () => {
    expect(() => new CronSchedule('61 * * * *', 'UTC')).toThrow(/Invalid cron expression "61 \* \* \* \*"/);
  });
});

describe('Scheduler', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let clock: FakeClock;
  let schedulers: Scheduler[];

  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir.path, 'jobs.db'));
    clock = new FakeClock('2026-11-23T06:00:00Z');
    schedulers = [];
  });
  afterEach(async () => {
    for (const scheduler of schedulers) await scheduler.stop(10);
    db.close();
    dir.remove();
  });

  function scheduler(timeZone = 'Europe/Berlin', graceMs = 3 * HOUR): Scheduler {
    const s = new Scheduler({ runs: new JobRunStore(db), kv: new KeyValueStore(db), clock, logger: silentLogger(), timeZone, graceMs });
    schedulers.push(s);
    return s;
  }

  function recorder(
    name: string,
    cron: string,
    work: () => Promise<void> = async () => {},
  ): Job & { runs: Array<{ at: number; caughtUp: boolean }> } {
    const runs: Array<{ at: number; caughtUp: boolean }> = [];
    return {
      name,
      cron,
      runs,
      async run(ctx) {
        runs.push({ at: clock.now(), caughtUp: ctx.caughtUp });
        await work();
        return `run ${runs.length}`;
      },
    };
  }

  it('runs a job at its time, stores the run, and knows the next one', async () => {
    const s = scheduler();
    const job = recorder('digest', '0 8 * * *');
    s.add(job);
    s.start();
    expect(iso(s.status()[0]?.nextRunAt)).toBe('2026-11-23T07:00:00.000Z');
    await clock.advance(HOUR - 1);
    expect(job.runs).toHaveLength(0);
    await clock.advance(1);
    expect(job.runs.map((r) => iso(r.at))).toEqual(['2026-11-23T07:00:00.000Z']);
    const [status] = s.status();
    expect(status?.lastRun).toMatchObject({ status: 'ok', detail: 'run 1', caughtUp: false });
    expect(iso(status?.nextRunAt)).toBe('2026-11-24T07:00:00.000Z');
    await clock.advance(24 * HOUR);
    expect(job.runs).toHaveLength(2);
  });

  it('runs through a daylight-saving change at the right instants', async () => {
    clock = new FakeClock('2026-03-27T12:00:00Z');
    const s = scheduler();
    const job = recorder('nightly', '30 2 * * *');
    s.add(job);
    s.start();
    await clock.advance(4 * 24 * HOUR);
    expect(job.runs.map((r) => iso(r.at))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('catches up a run missed while down, once, when it is recent enough', async () => {
    const first = scheduler();
    first.add(recorder('digest', '0 8 * * *'));
    first.start();
    await first.stop(10);
    clock = new FakeClock('2026-11-23T08:30:00Z');
    const second = scheduler();
    const job = recorder('digest', '0 8 * * *');
    second.add(job);
    second.start();
    await flushMicrotasks();
    expect(job.runs).toEqual([{ at: Date.parse('2026-11-23T08:30:00Z'), caughtUp: true }]);
    expect(second.status()[0]?.lastRun).toMatchObject({ scheduledFor: Date.parse('2026-11-23T07:00:00Z'), caughtUp: true, status: 'ok' });
    await second.stop(10);
    const third = scheduler();
    const again = recorder('digest', '0 8 * * *');
    third.add(again);
    third.start();
    await flushMicrotasks();
    expect(again.runs).toEqual([]);
  });

  it('a missed run older than the grace window is skipped and recorded, not run', async () => {
    const first = scheduler();
    first.add(recorder('digest', '0 8 * * *'));
    first.start();
    await first.stop(10);
    clock = new FakeClock('2026-11-23T13:00:00Z');
    const second = scheduler('Europe/Berlin', 3 * HOUR);
    const job = recorder('digest', '0 8 * * *');
    second.add(job);
    second.start();
    await flushMicrotasks();
    expect(job.runs).toEqual([]);
    expect(second.status()[0]?.lastRun).toMatchObject({ status: 'skipped', scheduledFor: Date.parse('2026-11-23T07:00:00Z') });
    expect(second.status()[0]?.lastRun?.detail).toMatch(/missed while pie-brain was down; the slot was 360 min ago/);
  });

  it('does not catch up on the very first start', async () => {
    clock = new FakeClock('2026-11-23T08:30:00Z');
    const s = scheduler();
    const job = recorder('digest', '0 8 * * *');
    s.add(job);
    s.start();
    await flushMicrotasks();
    expect(job.runs).toEqual([]);
  });

  it('never overlaps a job with itself: a tick during a long run is skipped and recorded', async () => {
    const s = scheduler('UTC');
    let finish: () => void = () => {};
    const job = recorder('slow', '* * * * *', () => new Promise<void>((resolve) => (finish = resolve)));
    s.add(job);
    s.start();
    await clock.advance(60_000);
    expect(job.runs).toHaveLength(1);
    await clock.advance(60_000);
    expect(job.runs).toHaveLength(1);
    const runs = new JobRunStore(db).recent('slow', 5);
    expect(runs.map((r) => r.status)).toEqual(['skipped', 'running']);
    finish();
    await flushMicrotasks();
    await clock.advance(60_000);
    expect(job.runs).toHaveLength(2);
  });

  it('records a failing run with its error and reports it', async () => {
    const failures: string[] = [];
    const s = new Scheduler({
      runs: new JobRunStore(db),
      kv: new KeyValueStore(db),
      clock,
      logger: silentLogger(),
      timeZone: 'UTC',
      graceMs: HOUR,
      onFailure: (job) => failures.push(job),
    });
    schedulers.push(s);
    s.add({
      name: 'broken',
      cron: '0 * * * *',
      run: async () => {
        throw new Error('arXiv answered 503');
      },
    });
    s.start();
    await clock.advance(HOUR);
    expect(failures).toEqual(['broken']);
    expect(s.status()[0]?.lastRun).toMatchObject({ status: 'failed', error: 'arXiv answered 503' });
  });
});
