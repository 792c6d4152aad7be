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

  it("follows crontab(5)'s examples", () => {
    const from = Date.parse('2027-01-01T00:00:00Z'); // a Friday
    const runs = (expression: string, n: number) => {
      const schedule = new CronSchedule(expression, 'UTC');
      const out: string[] = [];
      let at = from;
      for (let i = 0; i < n; i += 1) {
        at = schedule.next(at) as number;
        out.push(new Date(at).toISOString().slice(0, 16));
      }
      return out;
    };
    expect(runs('5 0 * * *', 2)).toEqual(['2027-01-01T00:05', '2027-01-02T00:05']);
    expect(runs('15 14 1 * *', 2)).toEqual(['2027-01-01T14:15', '2027-02-01T14:15']);
    expect(runs('0 22 * * 1-5', 3)).toEqual(['2027-01-01T22:00', '2027-01-04T22:00', '2027-01-05T22:00']);
    expect(runs('23 0-23/2 * * *', 3)).toEqual(['2027-01-01T00:23', '2027-01-01T02:23', '2027-01-01T04:23']);
    expect(runs('5 4 * * sun', 2)).toEqual(['2027-01-03T04:05', '2027-01-10T04:05']);
    // "30 4 1,15 * 5": 4:30 on the 1st and 15th of each month, plus every Friday.
    expect(runs('30 4 1,15 * 5', 4)).toEqual(['2027-01-01T04:30', '2027-01-08T04:30', '2027-01-15T04:30', '2027-01-22T04:30']);
  });

  it('day of month and day of week both restricted: either one matching is enough', () => {
    const schedule = new CronSchedule('0 8 1 * 1', 'Europe/Berlin');
    const out: string[] = [];
    let at = Date.parse('2026-11-28T00:00:00Z');
    for (let i = 0; i < 4; i += 1) {
      at = schedule.next(at) as number;
      out.push(new Date(at).toISOString());
    }
    // Monday 30 Nov, Tuesday 1 Dec (the 1st), Monday 7 Dec, Monday 14 Dec; 08:00 CET is 07:00 UTC.
    expect(out).toEqual(['2026-11-30T07:00:00.000Z', '2026-12-01T07:00:00.000Z', '2026-12-07T07:00:00.000Z', '2026-12-14T07:00:00.000Z']);
  });

  it('previous runs across a daylight-saving change, at or before the instant', () => {
    const schedule = new CronSchedule('30 2 * * *', 'Europe/Berlin');
    expect(iso(schedule.previous(Date.parse('2027-03-28T01:00:00Z'), 24 * HOUR))).toBe('2027-03-28T01:00:00.000Z');
    expect(iso(schedule.previous(Date.parse('2027-03-28T00:59:00Z'), 24 * HOUR))).toBe('2027-03-27T01:30:00.000Z');
    expect(iso(schedule.previous(Date.parse('2027-10-31T01:40:00Z'), 24 * HOUR))).toBe('2027-10-31T00:30:00.000Z');
    expect(schedule.previous(Date.parse('2027-10-31T01:40:00Z'), HOUR)).toBeUndefined();
  });

  it('rejects a bad zone', () => {
    expect(() => new CronSchedule('0 8 * * *', 'Mars/Olympus')).toThrow(RangeError);
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

  it('a job that stores only failures writes nothing while it succeeds, and still reports its last run', async () => {
    const s = scheduler('UTC');
    let fail = false;
    const job = {
      ...recorder('heartbeat', '*/5 * * * *', async () => {
        if (fail) throw new Error('disk probe failed');
      }),
      store: 'failures' as const,
    };
    s.add(job);
    s.start();
    const rows = () => db.prepare('SELECT status, error FROM job_runs').all() as Array<{ status: string; error: string | null }>;
    await clock.advance(HOUR);
    expect(job.runs).toHaveLength(12);
    expect(rows()).toEqual([]);
    expect(s.status()[0]?.lastRun).toMatchObject({ status: 'ok', detail: 'run 12', scheduledFor: Date.parse('2026-11-23T07:00:00Z') });
    fail = true;
    await clock.advance(5 * 60_000);
    expect(rows()).toEqual([{ status: 'failed', error: 'disk probe failed' }]);
    expect(s.status()[0]?.lastRun).toMatchObject({ status: 'failed', error: 'disk probe failed' });
  });

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
    expect(second.status()[0]?.lastRun?.detail).toMatch(/missed \(pie-brain was down or the clock jumped\); the slot was 360 min ago/);
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

  describe('when the wall clock jumps (a Pi has no real-time clock; NTP corrects it)', () => {
    it('forward past a slot within the grace window: the slot runs once, soon after the jump', async () => {
      clock = new FakeClock('2026-11-23T05:00:00Z'); // 06:00 in Berlin
      const s = scheduler('Europe/Berlin', 3 * HOUR);
      const job = recorder('digest', '0 8 * * *');
      s.add(job);
      s.start();
      await clock.advance(60_000);
      clock.jump(3 * HOUR); // 09:01 in Berlin: the 08:00 slot was jumped over
      await clock.advance(10 * 60_000);
      expect(job.runs).toHaveLength(1);
      expect(job.runs[0]?.caughtUp).toBe(true);
      expect(s.status()[0]?.lastRun).toMatchObject({ scheduledFor: Date.parse('2026-11-23T07:00:00Z'), caughtUp: true, status: 'ok' });
      await clock.advance(2 * HOUR);
      expect(job.runs).toHaveLength(1);
      expect(iso(s.status()[0]?.nextRunAt)).toBe('2026-11-24T07:00:00.000Z');
    });

    it('forward by more than the grace window: the slot is recorded as skipped, not run', async () => {
      clock = new FakeClock('2026-11-23T05:00:00Z');
      const s = scheduler('Europe/Berlin', HOUR);
      const job = recorder('digest', '0 8 * * *');
      s.add(job);
      s.start();
      clock.jump(6 * HOUR); // 12:00 in Berlin
      await clock.advance(10 * 60_000);
      expect(job.runs).toEqual([]);
      expect(s.status()[0]?.lastRun).toMatchObject({ status: 'skipped', scheduledFor: Date.parse('2026-11-23T07:00:00Z') });
      expect(s.status()[0]?.lastRun?.detail).toMatch(/clock jumped/);
    });

    it('back after a slot ran: the same slot never runs twice', async () => {
      clock = new FakeClock('2026-11-23T06:50:00Z');
      const s = scheduler('Europe/Berlin');
      const job = recorder('digest', '0 8 * * *');
      s.add(job);
      s.start();
      await clock.advance(15 * 60_000);
      expect(job.runs).toHaveLength(1);
      clock.jump(-HOUR); // back to 07:05 in Berlin: 08:00 comes round again on the wall clock
      await clock.advance(3 * HOUR);
      expect(job.runs).toHaveLength(1);
      await clock.advance(24 * HOUR);
      expect(job.runs.map((r) => iso(r.at))).toEqual(['2026-11-23T07:00:00.000Z', '2026-11-24T07:00:00.000Z']);
    });

    it('back, then a restart: the slot that ran is still not run again', async () => {
      clock = new FakeClock('2026-11-23T06:59:00Z');
      const first = scheduler('Europe/Berlin');
      const job = recorder('digest', '0 8 * * *');
      first.add(job);
      first.start();
      await clock.advance(2 * 60_000);
      expect(job.runs).toHaveLength(1);
      await first.stop(10);
      clock.jump(-30 * 60_000);
      const second = scheduler('Europe/Berlin');
      const again = recorder('digest', '0 8 * * *');
      second.add(again);
      second.start();
      await clock.advance(2 * HOUR);
      expect(again.runs).toEqual([]);
    });

    it('an every-5-minutes job jumped forward runs once for the jump, not once per missed slot', async () => {
      const s = scheduler('UTC', 3 * HOUR);
      const job = recorder('heartbeat', '*/5 * * * *');
      s.add(job);
      s.start();
      await clock.advance(5 * 60_000);
      expect(job.runs).toHaveLength(1);
      clock.jump(2 * HOUR);
      await clock.advance(5 * 60_000);
      expect(job.runs).toHaveLength(2);
      expect(new JobRunStore(db).recent('heartbeat', 50)).toHaveLength(2);
    });
  });
});
