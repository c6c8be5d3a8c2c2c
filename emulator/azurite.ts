import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Azurite's blob service as a child process: storage for datastores, code and model uploads. A
 * separate process keeps Azurite's own dependencies and logging out of the emulator (and out of
 * test workers), and lets a hard stop kill it cleanly.
 */

export interface AzuriteOptions {
  host: string;
  /** Data folder; undefined keeps everything in memory. */
  location?: string;
  log: (line: string) => void;
}

export interface Azurite {
  blobEndpoint: string;
  port: number;
  stop(): Promise<void>;
}

const ACCOUNT = 'devstoreaccount1';
const START_TIMEOUT_MS = 20_000;

function azuriteBlobMain(): string {
  const candidates = [__dirname, process.cwd()];
  try {
    return require.resolve('azurite/dist/src/blob/main.js', { paths: candidates });
  } catch {
    throw new Error(
      'Azurite is not installed (npm package "azurite"); start the emulator with azurite: false or install it.',
    );
  }
}

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startAzurite(opts: AzuriteOptions): Promise<Azurite> {
  const main = azuriteBlobMain();
  // The free port can be taken between probing and Azurite binding it; a second try covers that race.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(opts.host);
    try {
      return await launch(main, port, opts);
    } catch (e) {
      if (attempt >= 3) throw e;
      opts.log(`azurite: start on port ${port} failed (${(e as Error).message}); retrying`);
    }
  }
}

async function launch(main: string, port: number, opts: AzuriteOptions): Promise<Azurite> {
  const args = [
    main,
    '--blobHost',
    opts.host,
    '--blobPort',
    String(port),
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
  ];
  // In memory, Azurite still runs in some folder; a scratch one keeps stray files out of the user's cwd.
  const scratch = opts.location ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-azurite-'));
  if (opts.location) {
    fs.mkdirSync(opts.location, { recursive: true });
    args.push('--location', opts.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const cleanScratch = (): void => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };
  const child = spawn(process.execPath, args, {
    cwd: opts.location ?? scratch,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 50) output.splice(0, output.length - 50);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // An emulator process that exits without stop() must not leave Azurite behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    cleanScratch();
  };
  process.once('exit', killOnExit);

  try {
    await waitForPort(child, opts.host, port, output);
  } catch (e) {
    process.removeListener('exit', killOnExit);
    child.kill('SIGKILL');
    cleanScratch();
    throw e;
  }
  return {
    blobEndpoint: `http://${opts.host}:${port}/${ACCOUNT}`,
    port,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      cleanScratch();
    },
  };
}

function waitForPort(child: ChildProcess, host: string, port: number, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let done = false;
    const onExit = (code: number | null): void => {
      if (done) return;
      done = true;
      reject(new Error(`azurite exited with code ${code} before listening: ${output.slice(-5).join(' | ')}`));
    };
    child.once('exit', onExit);
    const probe = (): void => {
      if (done) return;
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        if (done) return;
        done = true;
        child.removeListener('exit', onExit);
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (done) return;
        if (Date.now() > deadline) {
          done = true;
          reject(new Error(`azurite did not listen on ${host}:${port} within ${START_TIMEOUT_MS} ms`));
          return;
        }
        setTimeout(probe, 50);
      });
    };
    probe();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Creates a blob container with a SharedKey-signed request (the emulator has no storage SDK).
 * An existing container is fine: the state directory may be reused.
 */
export async function createContainer(blobEndpoint: string, accountKey: string, container: string): Promise<void> {
  const url = new URL(`${blobEndpoint}/${container}?restype=container`);
  const headers: Record<string, string> = {
    'x-ms-date': new Date().toUTCString(),
    'x-ms-version': '2021-08-06',
    'content-length': '0',
  };
  headers.authorization = `SharedKey ${ACCOUNT}:${sharedKeySignature('PUT', url, headers, accountKey)}`;
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  if (status !== 201 && status !== 409)
    throw new Error(`creating container ${container} in Azurite failed with HTTP ${status}`);
}

/** Storage's SharedKey scheme (version 2009-09-19 and later). */
function sharedKeySignature(method: string, url: URL, headers: Record<string, string>, accountKey: string): string {
  const h = (name: string): string => headers[name] ?? '';
  const contentLength = h('content-length') === '0' ? '' : h('content-length');
  const canonicalHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-ms-'))
    .sort()
    .map((k) => `${k}:${headers[k].trim()}\n`)
    .join('');
  // Path-style URLs (Azurite) carry the account in the path, so it appears twice here, as the SDKs sign it.
  const params = [...url.searchParams.keys()].map((k) => k.toLowerCase()).sort();
  const canonicalResource =
    `/${ACCOUNT}${url.pathname}` + params.map((k) => `\n${k}:${url.searchParams.getAll(k).sort().join(',')}`).join('');
  const stringToSign =
    [
      method,
      h('content-encoding'),
      h('content-language'),
      contentLength,
      h('content-md5'),
      h('content-type'),
      '',
      h('if-modified-since'),
      h('if-match'),
      h('if-none-match'),
      h('if-unmodified-since'),
      h('range'),
    ].join('\n') + `\n${canonicalHeaders}${canonicalResource}`;
  return crypto.createHmac('sha256', Buffer.from(accountKey, 'base64')).update(stringToSign, 'utf8').digest('base64');
}
