import { execFile } from 'node:child_process';
import { findOnPath } from './find-on-path.js';

export interface SandboxProbe {
  ok: boolean;
  /** The bwrap that was tried, when one was found. */
  path?: string;
  detail: string;
}

/**
 * Whether bubblewrap can build the sandbox `/run` uses: installed is not enough, the kernel must let it make
 * its namespaces (some kernels refuse user namespaces to non-root users). `bwrap`: a path, or `null` for none.
 */
export function probeBubblewrap(bwrap: string | null = findOnPath('bwrap') ?? null, timeoutMs = 5000): Promise<SandboxProbe> {
  if (!bwrap) return Promise.resolve({ ok: false, detail: 'bubblewrap (bwrap) is not installed' });
  const args = [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-all',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    'true',
  ];
  return new Promise((resolve) => {
    execFile(bwrap, args, { timeout: timeoutMs, env: { PATH: '/usr/bin:/bin' } }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true, path: bwrap, detail: `${bwrap} makes PID, IPC and network namespaces` });
      const reason = String(stderr).trim().split('\n')[0] || (error as NodeJS.ErrnoException).code || error.message;
      resolve({ ok: false, path: bwrap, detail: `${bwrap} cannot make its namespaces here: ${reason}` });
    });
  });
}
