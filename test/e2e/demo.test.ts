import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshBundles } from '../faces/fresh-bundles';

/**
 * `npm run demo` as a user runs it: one command, the emulator in process, a project from
 * `amlops init`, the templates' step sequence through the CLI, a report. The amlops command comes
 * from bundles built from the current sources, so the demo never runs stale code.
 */
const root = path.resolve(__dirname, '..', '..');

let out = '';
let code: number | null = null;
let reportDir = '';

beforeAll(async () => {
  const bundles = await freshBundles();
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-demo-report-'));
  ({ code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'build', 'run-ts.mjs'), 'demo/run-demo.ts'], {
      cwd: root,
      env: {
        ...process.env,
        // A user's shell trusts no emulator CA; the demo must set up trust for its steps itself.
        NODE_EXTRA_CA_CERTS: '',
        AMLOPS_CLI: path.join(bundles, 'bin', 'amlops.cjs'),
        AMLOPS_DEMO_REPORT_DIR: reportDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (c) => resolve({ code: c, out: text }));
  }));
}, 600_000);

afterAll(() => fs.rmSync(reportDir, { recursive: true, force: true }));

/** The success lines in the order the demo printed them. */
const successLines = (): string[] => out.split('\n').filter((l) => l.startsWith('✔ '));

test('the demo finishes every stage and says where the report is', () => {
  expect(out).toMatch(/All stages passed in \d+\.\d s/);
  expect(out).toContain(`Report: ${path.join(reportDir, 'report.md')}`);
  expect(out).toContain(path.join(reportDir, 'report.html'));
  expect(out).not.toContain('✖');
  expect(code).toBe(0);
});

test('it runs the templates’ steps in order, each with its success line', () => {
  const expected: RegExp[] = [
    /^✔ init: \d+ files: .*\.cloud\/.*pipelines\//,
    // Pipeline run 1: train and register (no baseline yet), then the first deployment.
    /^✔ connect: workspace dev/,
    /^✔ ensure-compute: cpu-cluster created \(Succeeded\)/,
    /^✔ submit-job: \w+ Completed, accuracy 0\.\d+/,
    /^✔ register-model: azureml:[\w-]+:1 created \(no baseline yet\)/,
    /^✔ connect: workspace dev/,
    /^✔ deploy-online: [\w-]+-dev\/model-v1 created, traffic none → model-v1 100%/,
    /^✔ smoke-test: \d+ passed, 0 failed; latency p50 \d+ ms/,
    // Pipeline run 2: the gate passes the new model and refuses a broken one; canary to its own deployment.
    /^✔ connect: workspace dev/,
    /^✔ ensure-compute: cpu-cluster unchanged/,
    /^✔ submit-job: \w+ Completed, accuracy 0\.\d+/,
    /^✔ register-model: azureml:[\w-]+:2 created \(accuracy 0\.\d+ vs 0\.\d+ of v1\)/,
    /^✔ submit-job: \w+ Completed, accuracy 0\.\d+/,
    /^✔ register-model: refused as expected: model rejected by the gate: accuracy 0\.\d+ is worse/,
    /^✔ connect: workspace dev/,
    /^✔ deploy-online: [\w-]+-dev\/model-v2 rolled-out, traffic model-v1 100% → model-v2 100%/,
    /^✔ smoke-test: \d+ passed, 0 failed/,
    // Promotion: dev -> registry -> prod, deployed from the registry.
    /^✔ connect: source workspace dev/,
    /^✔ promote-model: azureml:\/\/registries\/[\w-]+\/models\/[\w-]+\/versions\/2 created/,
    /^✔ connect: workspace prod/,
    /^✔ deploy-online: [\w-]+-prod\/model-v2 created, traffic none → model-v2 100%/,
    /^✔ smoke-test: \d+ passed, 0 failed/,
    // Batch scoring in prod.
    /^✔ connect: workspace prod/,
    /^✔ ensure-compute: cpu-cluster created/,
    /^✔ deploy-batch: [\w-]+-batch-prod\/default, scoring job \S+ completed/,
  ];
  // The project names the emulator's registry from the start: nothing in .cloud/ is rewritten for it.
  expect(out).toMatch(/^\$ amlops init \S+ --ci both --person demo --registry [\w-]+$/m);
  const lines = successLines().filter((l) => !l.startsWith('✔ emulator:'));
  expect(lines).toHaveLength(expected.length);
  lines.forEach((line, i) => expect(line).toMatch(expected[i]));
});

test('training logs stream, the canary moves traffic in steps, ends 100% on the new version and deletes the old one', () => {
  expect(out).toMatch(/\| epoch 0: loss 0\.6931/);
  expect(out).toMatch(/loss per epoch \(MLflow history of \w+\): 0:0\.6931 {2}50:/);
  expect(out).toMatch(/Traffic[^\n]*model-v2 10%/);
  expect(out).toMatch(/Traffic[^\n]*model-v2 50%/);
  expect(out).toContain("Deleting old deployment 'model-v1'");
  expect(out).toContain('traffic ended: model-v2 100% (deployment model-v2 serves');
  // Every rollout a new deployment of its own: nothing was updated in place.
  expect(out).not.toMatch(/updated in place/);
});

test('prod serves the promoted version from the registry', () => {
  const promoted = /✔ promote-model: (azureml:\/\/registries\/\S+)/.exec(out)?.[1];
  expect(promoted).toBeDefined();
  expect(out).toContain(`prod deployment model-v2 serves model ${promoted}`);
});

test('the markdown and HTML reports hold the loss and latency charts, the traffic and the registry model', () => {
  const md = fs.readFileSync(path.join(reportDir, 'report.md'), 'utf8');
  const html = fs.readFileSync(path.join(reportDir, 'report.html'), 'utf8');
  const promoted = /✔ promote-model: (azureml:\/\/registries\/\S+)/.exec(out)?.[1] ?? '(none)';

  for (const chart of ['training-loss', 'endpoint-latency', 'canary-traffic']) {
    expect(md).toContain(`(${chart}.svg)`);
    const svg = fs.readFileSync(path.join(reportDir, `${chart}.svg`), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/);
    // Self-contained: the chart is inline in the HTML, which loads nothing from elsewhere.
    expect(html).toContain(`<figure id="${chart}">\n${svg}\n</figure>`);
  }
  expect(html).not.toMatch(/<script|<link|src="http/);
  // The loss chart plots both trainings' MLflow history, the latency chart the three endpoints' smoke requests.
  const loss = fs.readFileSync(path.join(reportDir, 'training-loss.svg'), 'utf8');
  expect(loss.match(/<polyline/g)).toHaveLength(2);
  expect(loss).toContain('learning rate 0.5');
  const latency = fs.readFileSync(path.join(reportDir, 'endpoint-latency.svg'), 'utf8');
  expect(latency.match(/<polyline/g)).toHaveLength(3);
  // One point per smoke request the three smoke-test runs sent.
  const requests = [...out.matchAll(/✔ smoke-test: (\d+) passed/g)].map((m) => Number(m[1]));
  expect(requests).toHaveLength(3);
  expect(latency.match(/<circle/g)).toHaveLength(requests.reduce((a, b) => a + b, 0));
  expect(md).toMatch(/```mermaid\nxychart-beta\n {2}title "Training loss per epoch/);

  for (const text of [md, html]) {
    expect(text).toContain('All stages passed');
    expect(text).toMatch(/traffic after \| model-v2 100%|traffic after<\/td><td>model-v2 100%/);
    expect(text).toContain(promoted);
    expect(text).toContain('model rejected by the gate');
  }
  expect(md).toMatch(/\| traffic 50% \| model-v1 50%, model-v2 50% \| ✅/);
  expect(md).toMatch(/\| prod deployment model \(ARM\) \| azureml:\/\/registries\//);
});

test('without python3 it stops at once, saying what is missing', async () => {
  // PATH holds node only: the demo must say python3 is needed before starting anything.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-demo-path-'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  try {
    const result = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'build', 'run-ts.mjs'), 'demo/run-demo.ts'], {
        cwd: root,
        env: { ...process.env, PATH: bin },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', (c) => resolve({ code: c, text }));
    });
    expect(result.text).toContain('The demo needs python3 on PATH');
    expect(result.text).not.toContain('Start the local Azure ML workspace emulator');
    expect(result.code).toBe(1);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}, 60_000);
