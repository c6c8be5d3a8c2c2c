import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCa } from '../emulator/ca';
import { projectRoot } from '../demo/project-root';

/**
 * A benchmark that runs steps in its own process must trust the emulator's CA, which Node reads
 * only at start: so the CA is made first and the benchmark runs again in a child that trusts it.
 * True in the parent (the child ran; its exit code is ours), false in the child (go on measuring).
 */
export async function rerunTrustingEmulatorCa(script: string): Promise<boolean> {
  if (process.env.AMLOPS_BENCH_CA_DIR) return false;
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-bench-ca-'));
  const ca = await ensureCa(caDir);
  const child = spawn(process.execPath, [path.join(projectRoot(), 'build', 'run-ts.mjs'), script], {
    cwd: projectRoot(),
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile, AMLOPS_BENCH_CA_DIR: caDir },
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  fs.rmSync(caDir, { recursive: true, force: true });
  process.exitCode = code ?? 1;
  return true;
}
