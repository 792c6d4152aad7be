import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, uptime } from 'node:os';
import { allowedEnv, BASE_CHILD_ENV } from '../lib/allowed-env.js';

export interface Throttling {
  /** `0x50005` as vcgencmd prints it. */
  raw: string;
  /** What is true right now (under-voltage, frequency capped, throttled, soft temperature limit). */
  now: string[];
  /** What happened since boot. */
  sinceBoot: string[];
}

export interface PiVitals {
  cpuTemperatureC: number | null;
  throttling: Throttling | null;
  load: [number, number, number];
  cpus: number;
  memory: { totalMb: number; availableMb: number };
  disk: { path: string; freeMb: number; totalMb: number } | null;
  systemUptimeS: number;
  processUptimeS: number;
}

export interface PiVitalsOptions {
  /** The data dir: its file system's free space is what matters. */
  dataDir: string;
  thermalFile?: string;
  /** Raspberry Pi OS kernels expose the firmware's throttling flags here (what `vcgencmd get_throttled` prints). */
  throttledFile?: string;
  /** Asked only when the file is missing, and only when named: the heartbeat spawns no process. */
  vcgencmd?: string;
  meminfoFile?: string;
  timeoutMs?: number;
}

const FLAGS: Array<[number, string]> = [
  [0, 'under-voltage'],
  [1, 'frequency capped'],
  [2, 'throttled'],
  [3, 'soft temperature limit'],
];

/** Decode `vcgencmd get_throttled` output (`throttled=0x50005`); null when it is not that. */
export function parseThrottled(output: string): Throttling | null {
  const match = /throttled=(0x[0-9a-f]+)/i.exec(output);
  if (!match?.[1]) return null;
  const value = Number.parseInt(match[1], 16);
  return {
    raw: match[1],
    now: FLAGS.filter(([bit]) => value & (1 << bit)).map(([, name]) => name),
    sinceBoot: FLAGS.filter(([bit]) => value & (1 << (bit + 16))).map(([, name]) => name),
  };
}

async function readTemperature(file: string): Promise<number | null> {
  try {
    const milli = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  } catch {
    return null;
  }
}

async function readThrottling(file: string, command: string | undefined, timeoutMs: number): Promise<Throttling | null> {
  try {
    return parseThrottled(`throttled=0x${(await readFile(file, 'utf8')).trim()}`);
  } catch {
    // Not a Pi, or an older kernel: vcgencmd below when it was named.
  }
  if (!command) return null;
  try {
    // execa is loaded only when /health asks: it is not small, and a Pi at idle should not carry it.
    const { execa } = await import('execa');
    // vcgencmd needs no secret: it starts from the base allowlist, like every child.
    const env = allowedEnv(process.env, BASE_CHILD_ENV);
    const result = await execa(command, ['get_throttled'], { timeout: timeoutMs, reject: false, env, extendEnv: false });
    return result.exitCode === 0 ? parseThrottled(String(result.stdout)) : null;
  } catch {
    return null;
  }
}

// MemAvailable (what can be used without swapping) is the number that matters; os.freemem() is MemFree.
async function readAvailableMb(file: string): Promise<number> {
  try {
    const match = /^MemAvailable:\s+(\d+)\s+kB/m.exec(await readFile(file, 'utf8'));
    if (match?.[1]) return Math.round(Number(match[1]) / 1024);
  } catch {
    // Not Linux: fall back below.
  }
  return Math.round(freemem() / 1048576);
}

async function readDisk(path: string): Promise<PiVitals['disk']> {
  try {
    const stats = await statfs(path);
    return {
      path,
      freeMb: Math.round((stats.bavail * stats.bsize) / 1048576),
      totalMb: Math.round((stats.blocks * stats.bsize) / 1048576),
    };
  } catch {
    return null;
  }
}

/** The Pi's vitals; every part is optional (no thermal zone in a container, no vcgencmd off a Pi). */
export async function readPiVitals(options: PiVitalsOptions): Promise<PiVitals> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const [cpuTemperatureC, throttling, availableMb, disk] = await Promise.all([
    readTemperature(options.thermalFile ?? '/sys/class/thermal/thermal_zone0/temp'),
    readThrottling(options.throttledFile ?? '/sys/devices/platform/soc/soc:firmware/get_throttled', options.vcgencmd, timeoutMs),
    readAvailableMb(options.meminfoFile ?? '/proc/meminfo'),
    readDisk(options.dataDir),
  ]);
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpuTemperatureC,
    throttling,
    load: [one, five, fifteen],
    cpus: cpus().length,
    memory: { totalMb: Math.round(totalmem() / 1048576), availableMb },
    disk,
    systemUptimeS: Math.round(uptime()),
    processUptimeS: Math.round(process.uptime()),
  };
}
