// The events of cloud brain runs, merged into the bus's EventMap (metrics and health listen to them).
declare module '../engine/events.js' {
  interface EventMap {
    'brain-run-started': { taskId: number; runId: number; brain: string; pid: number; resumed: boolean };
    'brain-run-ended': {
      taskId: number;
      runId: number;
      brain: string;
      outcome: string;
      costUsd: number;
      durationMs: number;
    };
  }
}

export {};
