import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** What the bundles are made of; a change to any of these means a rebuild. */
const SOURCES = [
  'shared',
  'actions/src',
  'tasks/src',
  'cli',
  'emulator',
  'build',
  'bin',
  'test/faces/probes',
  'package.json',
  'package-lock.json',
];
const CACHE = path.join(repoRoot, '.tmp', 'face-bundles');

function hashSources(): string {
  const hash = createHash('sha256');
  const visit = (rel: string) => {
    const full = path.join(repoRoot, rel);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) visit(path.join(rel, name));
    } else {
      hash.update(rel).update('\0').update(fs.readFileSync(full)).update('\0');
    }
  };
  SOURCES.forEach(visit);
  // Generated metadata travels with the bundles (local-action reads action.yml, tasks their task.json).
  for (const dir of ['actions', 'tasks']) {
    for (const name of fs.readdirSync(path.join(repoRoot, dir)).sort()) {
      for (const meta of ['action.yml', 'task.json']) {
        const file = path.join(repoRoot, dir, name, meta);
        if (fs.existsSync(file)) hash.update(file).update(fs.readFileSync(file));
      }
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`)),
    );
  });
}

let pending: Promise<string> | undefined;

/**
 * A directory laid out like the repository (actions/<step>/action.yml, actions/dist, tasks/Aml*V1,
 * dist/cli.js, bin/amlops.cjs; plus probes/) holding bundles built from the current sources, so face tests never
 * run stale code. Built once per source state and shared by jest workers: the build goes to a
 * private folder that is renamed into place; a worker that loses the race uses the winner's.
 */
export function freshBundles(): Promise<string> {
  pending ??= (async () => {
    const dir = path.join(CACHE, hashSources());
    if (fs.existsSync(dir)) return dir;
    const work = `${dir}.${process.pid}.tmp`;
    fs.rmSync(work, { recursive: true, force: true });
    // A child process, not esbuild's API in-process: esbuild's sanity checks fail inside jest's VM realm.
    const runTs = path.join(repoRoot, 'build/run-ts.mjs');
    await run(process.execPath, [runTs, path.join(repoRoot, 'build/bundle.ts'), '--out-dir', work]);
    // Probes: tiny entries that drive each Host directly, for tests of the hosts without Azure.
    await run(process.execPath, [
      runTs,
      path.join(repoRoot, 'test/faces/probes/build-probes.ts'),
      path.join(work, 'probes'),
    ]);
    for (const dirName of ['actions', 'tasks']) {
      for (const name of fs.readdirSync(path.join(repoRoot, dirName))) {
        for (const meta of ['action.yml', 'task.json']) {
          const file = path.join(repoRoot, dirName, name, meta);
          if (fs.existsSync(file)) fs.cpSync(file, path.join(work, dirName, name, meta));
        }
      }
    }
    fs.cpSync(path.join(repoRoot, 'bin'), path.join(work, 'bin'), { recursive: true });
    try {
      fs.renameSync(work, dir);
    } catch (err) {
      if (!fs.existsSync(dir)) throw err;
      fs.rmSync(work, { recursive: true, force: true });
    }
    pruneOld(dir);
    return dir;
  })();
  return pending;
}

/** Drops builds of earlier source states once they are an hour old (another worker may still use a recent one). */
function pruneOld(keep: string): void {
  for (const name of fs.readdirSync(CACHE)) {
    const full = path.join(CACHE, name);
    if (full !== keep && Date.now() - fs.statSync(full).mtimeMs > 3600_000)
      fs.rmSync(full, { recursive: true, force: true });
  }
}
