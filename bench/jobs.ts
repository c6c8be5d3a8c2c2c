import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { startEmulator } from '../emulator';
import { uploadFiles } from '../shared/aml/upload';
import { projectRoot } from '../demo/project-root';
import { runStep } from '../shared/run-step';
import { emulatorInputs } from '../test/support/connection';
import { RecordingHost } from '../test/support/recording-host';
import { rerunTrustingEmulatorCa } from './ca-child';

/**
 * `npm run bench` (jobs part): upload throughput against plain @azure/storage-blob on the same
 * Azurite, what a re-submission of unchanged code costs, and how far the streamed log lags behind
 * the job. Ratios against baselines measured in the same run.
 */
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const FILES = Number(process.env.BENCH_UPLOAD_FILES ?? 1600);
const FILE_BYTES = 128 * 1024;

function makeFolder(dir: string): string[] {
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const rel = `pkg${i % 40}/module_${i}.bin`;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), randomBytes(FILE_BYTES));
    files.push(rel);
  }
  return files;
}

/** The baseline: the storage SDK's own parallel uploads, 16 files at a time. */
async function plainUpload(container: ContainerClient, root: string, files: string[], prefix: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      await container.getBlockBlobClient(`${prefix}/${files[i]}`).uploadFile(path.join(root, files[i]));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  if (await rerunTrustingEmulatorCa('bench/jobs.ts')) return;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-bench-jobs-'));
  const emulator = await startEmulator({ log: () => undefined, caDir: process.env.AMLOPS_BENCH_CA_DIR });
  const lines: string[] = [];
  try {
    const { info } = emulator;
    const service = new BlobServiceClient(
      info.blobEndpoint,
      new StorageSharedKeyCredential('devstoreaccount1', AZURITE_KEY),
    );
    const container = service.getContainerClient('bench');
    await container.createIfNotExists();
    const code = path.join(work, 'code');
    const files = makeFolder(code);
    const mb = (FILES * FILE_BYTES) / 1048576;
    const ours: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 3; round++) {
      plain.push(await timed(() => plainUpload(container, code, files, `plain-${round}`)));
      ours.push(
        await timed(() =>
          uploadFiles(container, code, files, `amlops-${round}`, { signal: new AbortController().signal }),
        ),
      );
    }
    const best = (xs: number[]) => Math.min(...xs);
    const oursMBs = mb / (best(ours) / 1000);
    const plainMBs = mb / (best(plain) / 1000);
    lines.push(
      '## Uploads',
      '',
      `${FILES} files, ${mb.toFixed(0)} MB, to Azurite on loopback; best of 3 rounds each (target: at least 0.8).`,
      '',
      '| uploader | MB/s |',
      '|---|---|',
      `| plain @azure/storage-blob, 16 files in parallel (baseline) | ${plainMBs.toFixed(1)} |`,
      `| amlops uploadFiles | ${oursMBs.toFixed(1)} |`,
      `| ratio | ${(oursMBs / plainMBs).toFixed(2)} |`,
      '',
    );

    // Re-submission of unchanged code: bytes and requests of the second submission.
    const project = path.join(work, 'project');
    fs.mkdirSync(path.join(project, 'src'), { recursive: true });
    fs.writeFileSync(
      path.join(project, 'src', 'tick.py'),
      'import time\nfor i in range(20):\n    print(f"tick {time.time():.3f}", flush=True)\n    time.sleep(0.5)\n',
    );
    fs.writeFileSync(
      path.join(project, 'job.yml'),
      'code: src\ncommand: python tick.py\nenvironment:\n  image: python:3.11\ncompute: azureml:cpu-cluster\n',
    );
    const env = {
      AZURE_TENANT_ID: info.tenantId,
      AZURE_CLIENT_ID: info.clientId,
      AZURE_CLIENT_SECRET: info.clientSecret,
    };
    await runStep(
      'ensure-compute',
      new RecordingHost({ ...emulatorInputs(emulator), name: 'cpu-cluster' }, env, project),
    );
    const submit = async (wait: boolean) => {
      const host = new RecordingHost(
        { ...emulatorInputs(emulator), file: 'job.yml', wait: String(wait) },
        env,
        project,
      );
      const times: number[] = [];
      const original = host.info.bind(host);
      host.info = (message: string) => {
        times.push(Date.now());
        original(message);
      };
      await runStep('submit-job', host);
      return { host, times };
    };
    await submit(false);
    emulator.clearRequests();
    const again = await submit(false);
    const arm = emulator.requests.filter((r) => r.path.toLowerCase().startsWith('/subscriptions/'));
    const uploaded = /\(([\d.]+ [KM]B) uploaded\)/.exec(again.host.lines.join('\n'))?.[1] ?? '0 bytes';
    lines.push(
      '## Re-submitting unchanged code',
      '',
      '| measure | value |',
      '|---|---|',
      `| bytes uploaded (target 0) | ${uploaded} |`,
      `| ARM requests | ${arm.length} (${[...new Set(arm.map((r) => r.method))].join(', ')}) |`,
      `| asset versions created | ${arm.filter((r) => r.method === 'PUT' && !/\/jobs\//.test(r.path)).length} |`,
      '',
    );

    // Log lag: the job prints its own clock; the step's host records when each line arrives.
    emulator.clearRequests();
    const startWait = Date.now();
    const streamed = await submit(true);
    const waitMinutes = (Date.now() - startWait) / 60000;
    const lags: number[] = [];
    streamed.host.lines.forEach((line, i) => {
      const m = /^tick (\d+\.\d+)$/.exec(line);
      if (m) lags.push(streamed.times[i] - Number(m[1]) * 1000);
    });
    lags.sort((a, b) => a - b);
    const perMinute = emulator.requests.length / waitMinutes;
    const armPerMinute =
      emulator.requests.filter((r) => r.path.toLowerCase().startsWith('/subscriptions/')).length / waitMinutes;
    lines.push(
      '## Log streaming',
      '',
      '| measure | value |',
      '|---|---|',
      `| lines streamed | ${lags.length} |`,
      `| median lag, job print to step print (target at most 2 s) | ${(lags[Math.floor(lags.length / 2)] / 1000).toFixed(2)} s |`,
      `| max lag | ${(lags[lags.length - 1] / 1000).toFixed(2)} s |`,
      `| requests per minute while waiting (all / ARM only) | ${perMinute.toFixed(0)} / ${armPerMinute.toFixed(0)} |`,
      '',
    );
    const out = lines.join('\n');
    process.stdout.write(out);
    fs.appendFileSync(path.join(projectRoot(), 'bench', 'latest.md'), `\n${out}`);
  } finally {
    await emulator.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
