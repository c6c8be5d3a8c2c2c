import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** `npm run demo` as a user runs it on a fresh clone: it must work end to end on the emulator. */
const root = path.resolve(__dirname, '..', '..');

test('the demo runs connect, ensure-compute and submit-job on the emulator and reports them', async () => {
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'build', 'run-ts.mjs'), 'demo/run-demo.ts'], {
      cwd: root,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (c) => resolve({ code: c, out }));
  });
  expect(out).toMatch(/== connect[\s\S]*workspace\s+dev/);
  expect(out).toMatch(/first run: creates the cluster[\s\S]*action\s+created[\s\S]*state\s+Succeeded/);
  expect(out).toMatch(/re-run: nothing changed[\s\S]*action\s+unchanged[\s\S]*ARM requests\s+1 \(GET\)/);
  expect(out).toMatch(/drift[\s\S]*action\s+updated/);
  expect(out).toMatch(/submit-job[\s\S]*epoch 0: w=[\s\S]*Completed[\s\S]*metric final_loss\s+0\.\d+/);
  expect(out).toMatch(/Demo finished/);
  expect(code).toBe(0);
}, 120_000);
