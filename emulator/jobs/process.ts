import { spawn } from 'node:child_process';

/**
 * The user process of a job: `bash -c <command>` in its own process group, so canceling the job
 * (or its timeout) stops everything the command started, as a container teardown would.
 */

export interface ProcessResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the emulator stopped it. */
  stoppedBecause?: 'canceled' | 'timeout';
  /** The last lines of stderr (Azure ML quotes them in the job's error). */
  stderrTail: string;
  pid?: number;
}

export interface ProcessOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every chunk of stdout and stderr, in arrival order. */
  onOutput(chunk: Buffer): void;
  signal: AbortSignal;
  timeoutMs?: number;
  onStart?(pid: number): void;
}

const STDERR_TAIL_BYTES = 4096;
const TERM_GRACE_MS = 3000;

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is already gone.
  }
}

export function runProcess(opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', opts.command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = Buffer.alloc(0);
    let stoppedBecause: ProcessResult['stoppedBecause'];
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'canceled' | 'timeout'): void => {
      if (stoppedBecause) return;
      stoppedBecause = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), TERM_GRACE_MS);
    };
    const onAbort = (): void => stop('canceled');
    if (opts.signal.aborted) queueMicrotask(onAbort);
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    const timeout = opts.timeoutMs ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined;

    child.stdout.on('data', (c: Buffer) => opts.onOutput(c));
    child.stderr.on('data', (c: Buffer) => {
      opts.onOutput(c);
      stderr = Buffer.concat([stderr, c]).subarray(-STDERR_TAIL_BYTES);
    });
    if (child.pid) opts.onStart?.(child.pid);

    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
      // Whatever the command left running in the background goes with it.
      killGroup(child.pid, 'SIGKILL');
      resolve({ code, signal: sig, stoppedBecause, stderrTail: stderr.toString('utf8'), pid: child.pid });
    };
    child.on('error', (e) => {
      opts.onOutput(Buffer.from(`${e.message}\n`));
      finish(127, null);
    });
    child.on('exit', (code, sig) => {
      // Output still in the pipes arrives before 'close'; a background process holding them open
      // must not keep the job running, so give it a moment at most.
      const fallback = setTimeout(() => finish(code, sig), 2000);
      child.once('close', () => {
        clearTimeout(fallback);
        finish(code, sig);
      });
    });
  });
}

/** The last non-empty lines of a text (for error messages). */
export function lastLines(text: string, count = 10): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(-count)
    .join('\n');
}
