import type { Config } from '../core/config.js';
import type { Alerts } from '../core/engine/alerts.js';
import type { PiVitals } from '../core/health/pi-vitals.js';
import type { Clock } from '../core/lib/clock.js';
import type { QueueStats } from '../storage/queue.js';
import type { Job } from './scheduler.js';

export interface HeartbeatDeps {
  config: Config;
  clock: Clock;
  alerts: Alerts;
  /** The no-token Ollama probe (GET /api/version, /api/tags, /api/ps); the provider monitor alerts on it. */
  probeOllama?: () => Promise<{ up: boolean; routerModelInstalled: boolean; error: string | null }>;
  readVitals: () => Promise<PiVitals>;
  queueStats: () => QueueStats;
}

/**
 * jobs/heartbeat: every few minutes, the provider probe, queue lag, free disk and CPU temperature, with
 * an alert to the admins on each change of state. It calls no model and spends no tokens, ever.
 */
export function createHeartbeatJob(deps: HeartbeatDeps): Job {
  const limits = deps.config.jobs.heartbeat;
  return {
    name: 'heartbeat',
    cron: limits.cron,
    // A heartbeat missed while down is worthless: the next one is minutes away.
    catchUp: false,
    // Idle, a Pi should not write to its SD card every few minutes: alert states are stored when they
    // change (Alerts), and a run is stored only when it fails.
    store: 'failures',
    async run() {
      const notes: string[] = [];
      if (deps.probeOllama) {
        const probe = await deps.probeOllama();
        notes.push(probe.up ? 'ollama up' : `ollama down (${probe.error ?? 'no answer'})`);
        deps.alerts.transition(
          'router-model-missing',
          probe.up && !probe.routerModelInstalled ? 'bad' : 'ok',
          probe.up && !probe.routerModelInstalled
            ? `Ollama is up but the router model ${deps.config.router.model} is not installed: run \`ollama pull ${deps.config.router.model}\`.`
            : `The router model ${deps.config.router.model} is installed.`,
        );
      }
      const stats = deps.queueStats();
      const lagS = stats.oldestPendingAt === null ? 0 : Math.round((deps.clock.now() - stats.oldestPendingAt) / 1000);
      notes.push(`queue ${stats.pending} pending, lag ${lagS}s`);
      deps.alerts.transition(
        'queue-lag',
        lagS > limits.maxQueueLagSeconds ? 'bad' : 'ok',
        lagS > limits.maxQueueLagSeconds
          ? `Requests are waiting: the oldest has waited ${Math.round(lagS / 60)} min (${stats.pending} pending, ${stats.running} running).`
          : 'The queue is moving again.',
      );
      const vitals = await deps.readVitals();
      if (vitals.disk) {
        const low = vitals.disk.freeMb < limits.minFreeDiskMb;
        notes.push(`disk ${Math.round(vitals.disk.freeMb)} MB free`);
        deps.alerts.transition(
          'disk-space',
          low ? 'bad' : 'ok',
          low
            ? `Disk space is low: ${Math.round(vitals.disk.freeMb)} MB free in ${vitals.disk.path} (alert below ${limits.minFreeDiskMb} MB).`
            : `Disk space is fine again: ${Math.round(vitals.disk.freeMb)} MB free.`,
          low ? 'critical' : 'info',
        );
      }
      if (vitals.cpuTemperatureC !== null) {
        const hot = vitals.cpuTemperatureC > limits.maxTemperatureC;
        notes.push(`cpu ${vitals.cpuTemperatureC.toFixed(1)} °C`);
        deps.alerts.transition(
          'temperature',
          hot ? 'bad' : 'ok',
          hot
            ? `The Pi is hot: CPU at ${vitals.cpuTemperatureC.toFixed(1)} °C (alert above ${limits.maxTemperatureC} °C)${vitals.throttling?.now.length ? `; now ${vitals.throttling.now.join(', ')}` : ''}.`
            : `The Pi has cooled down: CPU at ${vitals.cpuTemperatureC.toFixed(1)} °C.`,
        );
      }
      return notes.join('; ');
    },
  };
}
