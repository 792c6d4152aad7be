/** A cloud brain run in progress, as the handoff runner reports it. */
export interface RunningCloudRun {
  taskId: number | null;
  brain: string;
  startedAt: number;
  /** What it has cost so far, when the brain says. */
  costSoFarUsd?: number;
  detail?: string;
}

/** One scheduled job, as the scheduler reports it. */
export interface ScheduledJobInfo {
  name: string;
  lastRunAt: number | null;
  lastStatus?: string;
  nextRunAt: number | null;
}

/**
 * Where other parts register what /health shows without core knowing them: the handoff runner its
 * running cloud runs, the scheduler its jobs. Each register call returns its unregister function.
 */
export class HealthHooks {
  private readonly runSources = new Set<() => RunningCloudRun[]>();
  private readonly jobSources = new Set<() => ScheduledJobInfo[]>();

  registerCloudRuns(source: () => RunningCloudRun[]): () => void {
    this.runSources.add(source);
    return () => this.runSources.delete(source);
  }

  registerSchedule(source: () => ScheduledJobInfo[]): () => void {
    this.jobSources.add(source);
    return () => this.jobSources.delete(source);
  }

  cloudRuns(): RunningCloudRun[] {
    return [...this.runSources].flatMap((source) => safely(source));
  }

  scheduledJobs(): ScheduledJobInfo[] {
    return [...this.jobSources].flatMap((source) => safely(source));
  }
}

// A broken source must not break /health.
function safely<T>(source: () => T[]): T[] {
  try {
    return source();
  } catch {
    return [];
  }
}
