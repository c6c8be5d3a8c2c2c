import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator';
import { projectRoot } from '../demo/project-root';
import { runStep } from '../shared/run-step';
import { emulatorInputs, secretEnvOf } from '../test/support/connection';
import { RecordingHost } from '../test/support/recording-host';
import { rerunTrustingEmulatorCa } from './ca-child';
import { writeProject } from '../test/endpoints/support';

/**
 * `npm run bench` (online rollout): time from "deployment Succeeded" to the final traffic split,
 * and the ARM requests of the whole deploy-online run, for a 3-step canary (10, 50, 100 with a
 * 1 s health window each) against a single-shot rollout (100% at once, same smoke test and
 * window) in the same run on the same emulator.
 */
const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const STEP_WAIT = '1s';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A host that notes when each line was printed. */
class TimedHost extends RecordingHost {
  readonly times: number[] = [];
  override info(message: string) {
    super.info(message);
    this.times.push(performance.now());
  }
}

interface Measure {
  /** "deployment Succeeded" to the end of the step (final traffic applied, last health window passed). */
  toFinalMs: number;
  armRequests: number;
  armWrites: number;
}

async function rollout(
  emulator: Emulator,
  project: string,
  endpoint: string,
  deployment: string,
  steps: string,
): Promise<Measure> {
  const host = new TimedHost(
    {
      ...emulatorInputs(emulator),
      'endpoint-name': endpoint,
      'deployment-file': `${deployment}.yml`,
      'smoke-cases': 'smoke.yml',
      'traffic-steps': steps,
      'step-wait': STEP_WAIT,
      'delete-old': 'true',
      timeout: '5m',
    },
    secretEnvOf(emulator),
    project,
  );
  const mark = emulator.requests.length;
  await runStep('deploy-online', host);
  const end = performance.now();
  const at = host.lines.findIndex((l) => l === `deployment '${deployment}': Succeeded`);
  if (at < 0) throw new Error(`no Succeeded line in:\n${host.lines.join('\n')}`);
  const arm = emulator.requests.slice(mark).filter((r) => r.path.toLowerCase().startsWith('/subscriptions/'));
  return {
    toFinalMs: end - host.times[at],
    armRequests: arm.length,
    armWrites: arm.filter((r) => r.method !== 'GET').length,
  };
}

async function main(): Promise<void> {
  if (await rerunTrustingEmulatorCa('bench/rollout.ts')) return;
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-bench-rollout-'));
  writeProject(project);
  const emulator = await startEmulator({
    log: () => undefined,
    caDir: process.env.AMLOPS_BENCH_CA_DIR,
    onlineProvisioningMs: 200,
    lroRetryAfterSeconds: 0,
  });
  try {
    const canary: Measure[] = [];
    const single: Measure[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round: blue is live on both endpoints, then green rolls out (canary on one, at once on the other).
      for (const ep of [`canary-${round}`, `single-${round}`]) await rollout(emulator, project, ep, 'blue', '100');
      canary.push(await rollout(emulator, project, `canary-${round}`, 'green', '10,50,100'));
      single.push(await rollout(emulator, project, `single-${round}`, 'green', '100'));
    }
    const m = (xs: Measure[], k: keyof Measure) => median(xs.map((x) => x[k]));
    const time = m(canary, 'toFinalMs') / m(single, 'toFinalMs');
    const reqs = m(canary, 'armRequests') / m(single, 'armRequests');
    const section = [
      '## Online rollout',
      '',
      `deploy-online on the emulator (${ROUNDS} rounds, medians): blue live, green rolled out with a smoke case and a ${STEP_WAIT} health window per step.`,
      '',
      '| rollout | Succeeded to final traffic | ARM requests (writes) |',
      '|---|---|---|',
      `| single shot, 100% at once (baseline) | ${(m(single, 'toFinalMs') / 1000).toFixed(2)} s | ${m(single, 'armRequests')} (${m(single, 'armWrites')}) |`,
      `| 3-step canary 10, 50, 100 | ${(m(canary, 'toFinalMs') / 1000).toFixed(2)} s | ${m(canary, 'armRequests')} (${m(canary, 'armWrites')}) |`,
      `| ratio canary / single | ${time.toFixed(2)} | ${reqs.toFixed(2)} |`,
      '',
    ].join('\n');
    process.stdout.write(`${section}\n`);
    const file = path.join(projectRoot(), 'bench', 'latest.md');
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    // Replace this section when present (a re-run of this benchmark alone), else append it.
    const without = current.replace(/\n## Online rollout\n[\s\S]*?(?=\n## |$)/, '');
    fs.writeFileSync(file, `${without.replace(/\n*$/, '\n')}\n${section}`);
  } finally {
    await emulator.stop();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
