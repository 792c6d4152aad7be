import type { QueueStats } from '../../storage/queue.js';
import type { ChatAdapter } from '../contracts/chat-adapter.js';
import { MONTHS, zonedParts } from '../costs/calendar.js';
import type { ModelNotice } from '../costs/model-lifecycle.js';
import type { Clock } from '../lib/clock.js';
import { formatDuration, formatUsd } from '../lib/format.js';
import type { HealthHooks, RunningCloudRun, ScheduledJobInfo } from './health-hooks.js';
import type { OllamaProbe } from './ollama-probe.js';
import type { PiVitals } from './pi-vitals.js';
import type { ProviderHealth, ProviderMonitor } from './provider-monitor.js';

export interface HealthDeps {
  monitor: ProviderMonitor;
  /** Probes Ollama (no tokens) and records the result in the monitor. */
  probeOllama(): Promise<OllamaProbe>;
  queueStats(): QueueStats;
  hooks: HealthHooks;
  adapters(): readonly ChatAdapter[];
  vitals(): Promise<PiVitals>;
  /** Configured paid models that are deprecated or retired at the given instant. */
  modelNotices(now: number): ModelNotice[];
  clock: Clock;
  version: string;
  timeZone: string;
}

export interface HealthReport {
  at: number;
  version: string;
  ollama: OllamaProbe & { p95Ms: number | null };
  providers: ProviderHealth[];
  queue: QueueStats & { oldestPendingAgeMs: number | null };
  cloudRuns: RunningCloudRun[];
  jobs: ScheduledJobInfo[];
  adapters: Array<{ platform: string; connected: boolean | null }>;
  pi: PiVitals;
  models: ModelNotice[];
}

export async function collectHealth(deps: HealthDeps): Promise<HealthReport> {
  const [ollama, pi] = await Promise.all([deps.probeOllama(), deps.vitals()]);
  const at = deps.clock.now();
  const stats = deps.queueStats();
  return {
    at,
    version: deps.version,
    ollama: { ...ollama, p95Ms: deps.monitor.health('ollama').p95Ms },
    providers: deps.monitor.all(),
    queue: { ...stats, oldestPendingAgeMs: stats.oldestPendingAt === null ? null : Math.max(0, at - stats.oldestPendingAt) },
    cloudRuns: deps.hooks.cloudRuns(),
    jobs: deps.hooks.scheduledJobs(),
    adapters: deps.adapters().map((adapter) => ({ platform: adapter.platform, connected: adapter.connected ? adapter.connected() : null })),
    pi,
    models: deps.modelNotices(at),
  };
}

function when(at: number | null, now: number, timeZone: string): string {
  if (at === null) return 'never';
  const p = zonedParts(at, timeZone);
  const today = zonedParts(now, timeZone);
  const time = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  return p.year === today.year && p.month === today.month && p.day === today.day ? time : `${p.day} ${MONTHS[p.month - 1]} ${time}`;
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value * 1000) / 10} %`;
}

function ollamaLine(o: HealthReport['ollama']): string {
  if (!o.up) return `*Ollama*: down (${o.error ?? 'no answer'})`;
  const router = o.routerModelLoaded ? 'loaded' : o.routerModelInstalled ? 'installed, not loaded' : 'NOT installed';
  const p95 = o.p95Ms === null ? 'no calls yet' : `p95 ${formatDuration(o.p95Ms)}`;
  return `*Ollama*: up, version ${o.version}; router model ${o.routerModel} ${router}; ${p95}`;
}

function providerLine(h: ProviderHealth): string {
  const latency = h.p95Ms === null ? 'no calls' : `p50 ${formatDuration(h.p50Ms ?? 0)}, p95 ${formatDuration(h.p95Ms)}`;
  const errors = h.errorRate1h === null ? `${h.errors1h} errors in ${h.calls1h} calls` : `${percent(h.errorRate1h)} errors`;
  const score = h.score === null ? 'untested' : `score ${h.score}`;
  const queue = h.queueDepth ? `, ${h.queueDepth} waiting` : '';
  return `- ${h.provider}: ${h.state}, ${score} ${h.recommendation}; ${latency}; ${errors} (1 h); availability ${percent(h.availability24h)} (24 h)${queue}`;
}

function piLines(pi: PiVitals): string[] {
  const temperature = pi.cpuTemperatureC === null ? 'no sensor' : `${pi.cpuTemperatureC} °C`;
  const throttling =
    pi.throttling === null
      ? 'not a Pi (no vcgencmd)'
      : pi.throttling.now.length
        ? `NOW: ${pi.throttling.now.join(', ')}`
        : pi.throttling.sinceBoot.length
          ? `none now; since boot: ${pi.throttling.sinceBoot.join(', ')}`
          : 'none';
  const disk = pi.disk
    ? `${(pi.disk.freeMb / 1024).toFixed(1)} GB free of ${(pi.disk.totalMb / 1024).toFixed(1)} GB (${pi.disk.path})`
    : 'unknown';
  return [
    `*Pi*: CPU ${temperature}; throttling ${throttling}`,
    `- load ${pi.load.map((l) => l.toFixed(2)).join(' ')} on ${pi.cpus} cores; memory ${pi.memory.availableMb} MB available of ${pi.memory.totalMb} MB`,
    `- disk ${disk}`,
    `- up ${formatDuration(pi.systemUptimeS * 1000)}; pie-brain up ${formatDuration(pi.processUptimeS * 1000)}`,
  ];
}

/** The /health reply text (Markdown). */
export function formatHealth(report: HealthReport, timeZone: string): string {
  const now = report.at;
  const lines = [
    `*pie-brain ${report.version}* health at ${when(now, now, timeZone)} (${timeZone})`,
    ...report.models.map((notice) => `*Model ${notice.state.toUpperCase()}*: ${notice.text}`),
    ollamaLine(report.ollama),
    '*Providers*:',
  ];
  lines.push(...(report.providers.length ? report.providers.map(providerLine) : ['- none used yet']));
  const q = report.queue;
  const oldest = q.oldestPendingAgeMs === null ? '' : `; oldest waiting ${formatDuration(q.oldestPendingAgeMs)}`;
  lines.push(`*Queue*: ${q.pending} pending, ${q.running} running${oldest}`);
  lines.push(`*Cloud runs*: ${report.cloudRuns.length ? '' : 'none running'}`);
  for (const run of report.cloudRuns) {
    const cost = run.costSoFarUsd === undefined ? '' : `, ${formatUsd(run.costSoFarUsd)} so far`;
    lines.push(
      `- ${run.brain}${run.taskId === null ? '' : ` for #${run.taskId}`}: ${formatDuration(now - run.startedAt)}${cost}${run.detail ? ` (${run.detail})` : ''}`,
    );
  }
  lines.push(`*Jobs*: ${report.jobs.length ? '' : 'none scheduled'}`);
  for (const job of report.jobs) {
    const status = job.lastStatus ? ` (${job.lastStatus})` : '';
    lines.push(`- ${job.name}: last ${when(job.lastRunAt, now, timeZone)}${status}, next ${when(job.nextRunAt, now, timeZone)}`);
  }
  const adapters = report.adapters.map((a) => `${a.platform} ${a.connected === null ? '?' : a.connected ? 'connected' : 'DISCONNECTED'}`);
  lines.push(`*Adapters*: ${adapters.length ? adapters.join(', ') : 'none'}`);
  lines.push(...piLines(report.pi));
  return lines.join('\n');
}
