import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Jobs run with the machine's interpreters, not a built environment. What the machine offers is
 * probed once: which python3 runs, and whether it can `import mlflow`; when it cannot, the
 * emulator's small mlflow stand-in (emulator/python/mlflow) goes on PYTHONPATH so training
 * scripts that log metrics still work.
 */
export interface MachinePython {
  /** Absolute path of python3 on PATH, or undefined when there is none. */
  python?: string;
  version?: string;
  hasMlflow: boolean;
  /** Whether `python` (not only python3) is on PATH: job commands usually say `python`. */
  hasPlainPython: boolean;
}

let probed: Promise<MachinePython> | undefined;

export function machinePython(env: NodeJS.ProcessEnv = process.env): Promise<MachinePython> {
  probed ??= probe(env);
  return probed;
}

function run(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', () => resolve({ code: -1, out }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.trim() });
    });
  });
}

async function probe(env: NodeJS.ProcessEnv): Promise<MachinePython> {
  const found = await run(
    'command -v python3 && python3 -c "import sys; print(sys.version.split()[0])" && python3 -c "import mlflow" 2>/dev/null && echo has-mlflow',
    env,
  );
  const [python, version, flag] = found.out.split('\n');
  const plain = await run('command -v python', env);
  return {
    python: python || undefined,
    version: version || undefined,
    hasMlflow: flag === 'has-mlflow',
    hasPlainPython: plain.code === 0 && plain.out !== '',
  };
}

/**
 * A folder with `python` pointing at python3, for machines (Debian's default) that have only
 * python3: Azure ML images answer to both names, and job commands are written for them.
 */
export function pythonAliasDir(python3: string): string {
  const dir = path.join(os.tmpdir(), 'amlops-emulator-python-alias');
  const link = path.join(dir, 'python');
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (fs.readlinkSync(link) === python3) return dir;
    fs.rmSync(link, { force: true });
  } catch {
    // not there yet
  }
  try {
    fs.symlinkSync(python3, link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return dir;
}

/**
 * The folder holding the mlflow stand-in package. It ships as source files beside the emulator;
 * from a bundle (dist/), the repository's emulator/python is found by walking up.
 */
export function standInPythonPath(): string | undefined {
  const candidates: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'python'), path.join(dir, 'emulator', 'python'));
  }
  candidates.push(path.join(process.cwd(), 'emulator', 'python'));
  return candidates.find((c) => fs.existsSync(path.join(c, 'mlflow', '__init__.py')));
}
