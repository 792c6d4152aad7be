import { lstatSync, readlinkSync } from 'node:fs';

// The system a snippet may read: programs, libraries and /etc. Homes, /var, /run (sockets), /srv, /mnt and
// /media stay outside (so does /opt, unless an interpreter lives there), and with them pie-brain's data dir, the brain dir and every credential file in a home.
const SYSTEM_DIRS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export interface SandboxLayout {
  /** The one writable folder, also the working directory. */
  scratch: string;
  /** Folders to add read-only, such as an interpreter installed in a home (nvm, pyenv, a venv). */
  readOnly?: readonly string[];
}

/** Whether `path` is a system folder already in the sandbox, or inside one. */
export function isSystemPath(path: string): boolean {
  return SYSTEM_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`));
}

function systemBinds(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let entry: ReturnType<typeof lstatSync>;
    try {
      entry = lstatSync(dir);
    } catch {
      continue;
    }
    // Merged /usr: /bin is a link to usr/bin, and stays one.
    if (entry.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (entry.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

/**
 * bubblewrap's arguments for a snippet: new PID, IPC, network, UTS and (where allowed) user namespaces, no
 * capabilities, its own session, the system read-only, a private /tmp, a fresh /proc that shows only the
 * sandbox, the scratch folder writable; everything dies with bwrap, so killing bwrap ends the whole tree.
 */
export function sandboxArgs(layout: SandboxLayout): string[] {
  const extra = (layout.readOnly ?? []).filter((path) => !isSystemPath(path)).flatMap((path) => ['--ro-bind', path, path]);
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...systemBinds(),
    ...extra,
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--bind',
    layout.scratch,
    layout.scratch,
    '--chdir',
    layout.scratch,
  ];
}
