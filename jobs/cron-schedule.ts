import { Cron } from 'croner';
import { assertTimeZone } from '../core/lib/zoned-time.js';

/**
 * A five-field cron expression evaluated in an IANA time zone (croner computes the runs). The schedule
 * never reads the clock itself: callers pass the instants, so schedules, catch-up and clock jumps run on
 * an injected clock in tests.
 *
 * crontab(5) semantics: when both day-of-month and day-of-week are restricted, a day matches when
 * either does (`0 8 1 * 1` is the 1st of each month and every Monday). A time inside a spring-forward
 * gap runs at the first minute after the gap; a time that happens twice on a fall-back day runs once.
 */
export class CronSchedule {
  private readonly cron: Cron;

  constructor(
    readonly expression: string,
    readonly zone: string,
  ) {
    assertTimeZone(zone);
    try {
      this.cron = new Cron(expression, { timezone: zone, paused: true, mode: '5-part', domAndDow: false });
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
      throw new Error(`Invalid cron expression "${expression}": ${reason}`);
    }
  }

  /** The first run strictly after `afterMs` (a run at `afterMs` itself is the previous one). */
  next(afterMs: number): number | undefined {
    return this.cron.nextRun(new Date(afterMs))?.getTime();
  }

  /** The latest run at or before `atMs`, looking back at most `lookbackMs`. */
  previous(atMs: number, lookbackMs: number): number | undefined {
    const found = this.cron.previousRuns(1, new Date(atMs + 1))[0]?.getTime();
    return found !== undefined && found >= atMs - lookbackMs ? found : undefined;
  }
}
