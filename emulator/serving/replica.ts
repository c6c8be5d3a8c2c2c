import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';

/**
 * One replica (instance) of an online deployment: a python process running
 * emulator/python/inference_server.py in its own process group, so stopping it also stops
 * whatever the scoring script started.
 */

const READY = 'AMLOPS_SCORING_READY';
const INIT_FAILED = 'AMLOPS_SCORING_INIT_FAILED';

export interface ReplicaOptions {
  python: string;
  serverScript: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every line the process writes (stdout and stderr), without the protocol lines. */
  onLine(line: string): void;
  /** The process ended after it was ready (a crash, an out-of-memory kill). */
  onExit(description: string): void;
  readyTimeoutMs: number;
}

export class ReplicaStartError extends Error {}

/** Every replica of this emulator process, so nothing outlives it even when it exits without stop(). */
const live = new Set<ScoringReplica>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const r of live) r.kill();
  });
}

export class ScoringReplica {
  port = 0;
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private child?: ChildProcess;
  private stopping = false;

  private constructor(private readonly opts: ReplicaOptions) {}

  /** Starts the process and resolves once init() returned and the server listens. */
  static start(opts: ReplicaOptions): Promise<ScoringReplica> {
    installExitHook();
    const replica = new ScoringReplica(opts);
    return replica.launch().then(() => replica);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Still running and not being stopped. */
  get alive(): boolean {
    return !this.stopping && this.child?.exitCode === null && this.child?.signalCode === null;
  }

  private launch(): Promise<void> {
    const { opts } = this;
    return new Promise((resolve, reject) => {
      const child = spawn(opts.python, [opts.serverScript], {
        cwd: opts.cwd,
        env: opts.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      live.add(this);
      let ready = false;
      let initError: string | undefined;
      let stderrTail: string[] = [];
      const timer = setTimeout(() => {
        if (ready) return;
        this.kill();
        reject(
          new ReplicaStartError(
            `The scoring server did not become ready within ${Math.round(opts.readyTimeoutMs / 1000)} seconds (init() still running).`,
          ),
        );
      }, opts.readyTimeoutMs);

      const onText = (stream: 'out' | 'err') => {
        let pending = '';
        return (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            if (stream === 'out' && line.startsWith(READY)) {
              this.port = Number(line.slice(READY.length).trim());
              ready = true;
              clearTimeout(timer);
              resolve();
              continue;
            }
            if (stream === 'out' && line.startsWith(INIT_FAILED)) {
              initError = line.slice(INIT_FAILED.length).trim();
              continue;
            }
            if (stream === 'err') stderrTail = [...stderrTail, line].slice(-20);
            opts.onLine(line);
          }
        };
      };
      child.stdout?.on('data', onText('out'));
      child.stderr?.on('data', onText('err'));
      child.on('error', (e) => {
        clearTimeout(timer);
        live.delete(this);
        reject(new ReplicaStartError(`The scoring server could not start: ${e.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        live.delete(this);
        this.agent.destroy();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (!ready) {
          const reason =
            initError ?? (stderrTail.filter((l) => l.trim()).pop() || `the scoring server ended with ${how}`);
          reject(new ReplicaStartError(reason));
        } else if (!this.stopping) {
          opts.onExit(`The scoring server (pid ${child.pid}) ended unexpectedly with ${how}.`);
        }
      });
    });
  }

  /** Stops the process group at once (also what the script left running); scoring servers hold no state worth a graceful stop. */
  kill(): void {
    this.stopping = true;
    live.delete(this);
    this.agent.destroy();
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
