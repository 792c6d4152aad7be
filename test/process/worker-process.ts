import { type ChildProcess, spawn } from 'node:child_process';

export interface WorkerProcess {
  child: ChildProcess;
  /** The exit code; null when a signal (the test's SIGKILL) ended it. */
  exited: Promise<number | null>;
}

/** A worker script (test/fixtures) in a child process of its own; what it wrote to stderr is shown when it fails. */
export function startWorker(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): WorkerProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, exited };
}
