import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runLoad } from '../shared/aml/load/load-generator';
import { projectRoot } from '../demo/project-root';

/**
 * `npm run bench` (profile part): requests per second of the profile step's load generator against
 * standalone autocannon (its CLI, in its own process) on the same local endpoint in the same run,
 * rounds alternating (target: at least 0.9).
 */
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 5);
const BODY = JSON.stringify({ data: [[1, 2, 3, 4]] });
const HEADERS = {
  authorization: 'Bearer bench-key',
  'azureml-model-deployment': 'blue',
  'content-type': 'application/json',
};

/** A scoring-like endpoint in its own process: reads the JSON body, answers a small JSON. */
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const rows = JSON.parse(body).data.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rows }));
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve({ url: `http://127.0.0.1:${d.toString().trim()}/score`, child }));
  });
}

/** Standalone autocannon: the CLI the package ships, in its own process, as a user would run it. */
function cliRps(url: string): Promise<number> {
  const bin = path.join(projectRoot(), 'node_modules', 'autocannon', 'autocannon.js');
  const args = [bin, '-c', String(CONNECTIONS), '-d', String(SECONDS), '-m', 'POST', '-b', BODY, '--json'];
  for (const [k, v] of Object.entries(HEADERS)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const result = JSON.parse(out) as { requests: { total: number }; duration: number; non2xx: number };
      if (result.non2xx) return reject(new Error(`autocannon saw ${result.non2xx} non-2xx answers`));
      resolve(result.requests.total / result.duration);
    });
  });
}

/** autocannon's programmatic default in this process: no listeners, its own result. */
async function libraryRps(url: string): Promise<number> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  if (result.non2xx) throw new Error(`autocannon saw ${result.non2xx} non-2xx answers`);
  return result.requests.total / result.duration;
}

async function stepRps(url: string): Promise<number> {
  const r = await runLoad({
    url,
    headers: HEADERS,
    bodies: [BODY],
    connections: CONNECTIONS,
    durationMs: SECONDS * 1000,
    maxRequests: 10_000_000,
    requestTimeoutMs: 10_000,
  });
  if (r.non2xx || r.errors)
    throw new Error(`the load generator saw ${r.non2xx} non-2xx answers and ${r.errors} errors`);
  return r.rps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    const cli: number[] = [];
    const library: number[] = [];
    const step: number[] = [];
    await cliRps(url); // warm the server's JIT before anything counts
    for (let i = 0; i < ROUNDS; i++) {
      cli.push(await cliRps(url));
      library.push(await libraryRps(url));
      step.push(await stepRps(url));
      console.log(
        `round ${i + 1}: autocannon CLI ${cli[i].toFixed(0)} rps, autocannon library ${library[i].toFixed(0)} rps, profile's load generator ${step[i].toFixed(0)} rps`,
      );
    }
    // Each round against the faster of the two standalone forms measured next to it (the machine's
    // load changes between rounds, less within one), then the median over rounds.
    const ratio = median(step.map((s, i) => s / Math.max(cli[i], library[i])));
    console.log(`ratio ${ratio.toFixed(2)} (target: at least 0.9)`);
    const section = [
      '## Profile load generator',
      '',
      `Requests per second against a local Node endpoint (POST, small JSON, keep-alive), ${CONNECTIONS} connections,`,
      `${SECONDS} s per run, ${ROUNDS} rounds of the three in turn; medians, and the median of each round's ratio to the`,
      `faster standalone form in that round (target: at least 0.9).`,
      '',
      '| load generator | requests/s |',
      '|---|---|',
      `| standalone autocannon CLI, own process | ${median(cli).toFixed(0)} |`,
      `| standalone autocannon library, programmatic defaults | ${median(library).toFixed(0)} |`,
      `| profile step's load generator (autocannon library, with per-request latency capture) | ${median(step).toFixed(0)} |`,
      `| ratio (median over rounds) | ${ratio.toFixed(2)} |`,
      '',
    ].join('\n');
    const file = path.join(projectRoot(), 'bench', 'latest.md');
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    // Replace this section when present (a re-run of this benchmark alone), else append it.
    const without = current.replace(/\n## Profile load generator\n[\s\S]*?(?=\n## |$)/, '');
    fs.writeFileSync(file, `${without.replace(/\n*$/, '\n')}\n${section}`);
    if (ratio < 0.9) process.exitCode = 1;
  } finally {
    child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
