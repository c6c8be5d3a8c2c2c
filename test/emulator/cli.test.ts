import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { EmulatorInfo } from '../../emulator';
import { bearer, request, tokenFor, workspaceUrl } from './helpers';

/** `amlops emulator` as a separate process: ready file, stdout JSON, one-line errors, clean stop. */

const ROOT = path.resolve(__dirname, '..', '..');
let bundle: string;
let workDir: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-emulator-cli-'));
  bundle = path.join(ROOT, '.tmp', `emulator-cli-test-${process.pid}.cjs`);
  // The same entry the amlops binary uses: main(argv) resolves with the exit code.
  await build({
    stdin: {
      contents:
        "import { main } from './emulator/cli';\nmain(process.argv.slice(2)).then((code) => process.exit(code));\n",
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'emulator-cli-entry.ts',
    },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'silent',
  });
});
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(bundle, { force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(...args: string[]): Run {
  const child = spawn(process.execPath, [bundle, 'emulator', ...args], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

test('writes the ready JSON to the file and stdout, serves, and stops cleanly on SIGTERM (Azurite too)', async () => {
  const readyFile = path.join(workDir, 'ready.json');
  const stateDir = path.join(workDir, 'state');
  const emu = run('--port', '0', '--state', stateDir, '--ready-file', readyFile);
  try {
    const info = await waitFor(
      () => (fs.existsSync(readyFile) ? (JSON.parse(fs.readFileSync(readyFile, 'utf8')) as EmulatorInfo) : undefined),
      'the ready file',
    );
    for (const key of [
      'armEndpoint',
      'caCertFile',
      'tenantId',
      'authorityHost',
      'subscriptionId',
      'resourceGroup',
      'workspaces',
      'registry',
      'blobEndpoint',
      'clientId',
      'clientSecret',
    ] as const) {
      expect(info[key]).toBeTruthy();
    }
    expect(info.workspaces).toEqual(expect.arrayContaining(['dev', 'prod']));
    expect(info.caCertFile).toBe(path.join(stateDir, 'ca.pem'));
    await waitFor(() => (emu.stdout().includes('\n') ? true : undefined), 'stdout');
    expect(JSON.parse(emu.stdout().trim())).toEqual(info);

    const token = await tokenFor(info);
    const ws = await request(info, 'GET', workspaceUrl(info), { headers: bearer(token.json.access_token) });
    expect(ws.status).toBe(200);
    const azuritePort = Number(new URL(info.blobEndpoint).port);
    expect(await portOpen(azuritePort)).toBe(true);

    emu.child.kill('SIGTERM');
    expect(await emu.exit).toBe(0);
    expect(fs.existsSync(readyFile)).toBe(false);
    expect(await portOpen(azuritePort)).toBe(false);
    expect(await portOpen(Number(new URL(info.armEndpoint).port))).toBe(false);
    expect(fs.existsSync(path.join(stateDir, 'state.json'))).toBe(true);
  } finally {
    emu.child.kill('SIGKILL');
  }
});

test('bad flags: one clear line, exit code 2, no stack trace', async () => {
  for (const args of [['--port', 'abc'], ['--bogus'], ['--state']]) {
    const emu = run(...args);
    expect(await emu.exit).toBe(2);
    const lines = emu.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^amlops emulator: /);
  }
});

test('a port in use: one clear line, exit code 1, no stack trace', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const emu = run('--port', String(port), '--state', path.join(workDir, 'busy-state'));
    expect(await emu.exit).toBe(1);
    expect(emu.stderr().trim()).toBe(
      `amlops emulator: port ${port} on 127.0.0.1 is already in use; choose another --port or stop the process using it`,
    );
  } finally {
    blocker.close();
  }
});
