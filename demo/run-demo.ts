import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator';
import { lineChart, stackedBars } from './charts';
import { CliRunner, commandLine, errorText, type StepRun } from './cli-runner';
import { projectRoot } from './project-root';
import { pointProjectAtEmulator, type ProjectFacts } from './project';
import { Report, seconds, type Section } from './report';
import { WorkspaceReader, type MetricPoint } from './workspace-reader';

/**
 * `npm run demo`: the dev-to-prod pipeline of a new data-science project, on the local emulator.
 * Starts the emulator in this process, scaffolds a project with `amlops init`, then runs the step
 * sequence of the pipeline templates (train, deploy-online, promote, batch-score) through the
 * amlops command line, the same core the GitHub Actions and Azure DevOps tasks run. Prints what
 * happens and writes a markdown and an HTML report with charts.
 */
const root = projectRoot();

class DemoFailed extends Error {}

interface Context {
  emulator: Emulator;
  runner: CliRunner;
  reader: WorkspaceReader;
  project: ProjectFacts;
  report: Report;
  /** Filled as the stages go. */
  state: {
    trackingUri?: string;
    /** Registered versions, oldest first. */
    models: { id: string; version: string; learningRate: string; job: string }[];
    losses: { name: string; points: MetricPoint[] }[];
    registryModelId?: string;
    latencies: { name: string; values: number[] }[];
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const cli = path.resolve(process.env.AMLOPS_CLI ?? path.join(root, 'bin', 'amlops.cjs'));
  if (!process.env.AMLOPS_CLI && !fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
    say('The amlops command is not built yet (dist/cli.js is missing). Run `npm ci` (or `npm run build`) first.');
    return 1;
  }
  if (!process.env.AMLOPS_CLI && newestSource() > fs.statSync(path.join(root, 'dist', 'cli.js')).mtimeMs) {
    say('Note: dist/cli.js is older than the sources; run `npm run build` to demo the current code.');
  }
  if (spawnSync('python3', ['--version'], { stdio: 'ignore' }).status !== 0) {
    say(
      'The demo needs python3 on PATH: the emulator runs the jobs and scoring scripts with it. Install Python 3 and run it again.',
    );
    return 1;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-demo-'));
  const reportDir = path.resolve(process.env.AMLOPS_DEMO_REPORT_DIR ?? path.join(work, 'report'));
  const report = new Report();
  say('amlops demo: the dev-to-prod pipeline of a new project, on a local Azure ML workspace emulator.');
  say(`Working folder: ${work}`);

  heading('Start the local Azure ML workspace emulator');
  const emulator = await startEmulator({
    stateDir: path.join(work, 'emulator'),
    log: () => undefined,
    // Shorter pauses between job states than the default; everything else as the emulator behaves.
    jobStatusDelayMs: 200,
  });
  let code = 0;
  try {
    const { info } = emulator;
    ok('emulator', `ARM ${info.armEndpoint} · workspaces ${info.workspaces.join(', ')} · registry ${info.registry}`);
    report.header.push(
      ['ARM endpoint (emulator)', info.armEndpoint],
      ['workspaces', info.workspaces.join(', ')],
      ['registry', info.registry],
    );
    const scratch = path.join(work, 'steps');
    fs.mkdirSync(scratch);
    const runner = new CliRunner({
      cli,
      cwd: path.join(work, 'project'),
      scratch,
      // What a CI job's sign-in gives the steps; here the emulator's service principal.
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: info.caCertFile,
        AZURE_TENANT_ID: info.tenantId,
        AZURE_CLIENT_ID: info.clientId,
        AZURE_CLIENT_SECRET: info.clientSecret,
      },
      onLine: (line) => say(`  | ${line}`),
    });
    const ctx: Context = {
      emulator,
      runner,
      reader: new WorkspaceReader(emulator),
      project: scaffold(runner, work, emulator, report),
      report,
      state: { latencies: [], models: [], losses: [] },
    };
    report.header.push(['project', ctx.project.dir]);
    await train(ctx, 1);
    await deployDev(ctx, 1);
    await train(ctx, 2);
    await deployDev(ctx, 2);
    await promote(ctx);
    await batchScore(ctx);
    report.outcome = `✅ All stages passed in ${seconds(Date.now() - started)}.`;
    heading('Done');
    say(`All stages passed in ${seconds(Date.now() - started)}.`);
  } catch (err) {
    code = 1;
    const message = err instanceof Error ? err.message : String(err);
    report.outcome = `❌ The demo stopped: ${message}`;
    say(`\n✖ The demo stopped: ${message}`);
    if (!(err instanceof DemoFailed) && err instanceof Error && err.stack) say(err.stack);
  } finally {
    await emulator.stop();
  }
  report.header.push(['total time', seconds(Date.now() - started)]);
  const files = report.write(reportDir);
  say(`\nReport: ${files.markdown}\n        ${files.html}`);
  return code;
}

// ------------------------------------------------------------------------------------ stages

function scaffold(runner: CliRunner, work: string, emulator: Emulator, report: Report): ProjectFacts {
  heading('Scaffold a project: amlops init');
  const dir = path.join(work, 'project');
  const s = report.section('Scaffold: amlops init');
  const started = Date.now();
  // The registry dev promotes into and prod deploys from: the emulator's.
  const args = ['init', dir, '--ci', 'both', '--person', 'demo', '--registry', emulator.info.registry];
  const init = spawnSync(process.execPath, [runner.cli, ...args], { encoding: 'utf8' });
  const command = commandLine(args);
  say(`$ ${command}`);
  for (const line of init.stderr.split('\n')) if (line.trim()) say(`  | ${line}`);
  if (init.status !== 0) {
    s.steps.push({ command, ok: false, line: init.stderr.trim(), ms: Date.now() - started });
    throw new DemoFailed(`amlops init failed: ${init.stderr.trim()}`);
  }
  const files = (JSON.parse(init.stdout) as { files: string[] }).files;
  const project = pointProjectAtEmulator(dir, emulator.info);
  commitProject(dir);
  const line = `${files.length} files: ${topFolders(files)}`;
  ok('init', line);
  s.steps.push({ command, ok: true, line, ms: Date.now() - started });
  s.blocks.push({
    kind: 'text',
    text: "The demo then fills in `.cloud/dev.yml` and `.cloud/prod.yml` with the emulator's workspaces (what a team does once with its own), and adds single-row cases to `.cloud/smoke-cases.yml` for a latency sample.",
  });
  return project;
}

/** The train template's job: connect → ensure-compute → submit-job → register-model (with the gate). */
async function train(ctx: Context, run: 1 | 2): Promise<void> {
  const { project, state } = ctx;
  const s = stage(
    ctx,
    `Pipeline run ${run} · train in dev (train template: connect → ensure-compute → submit-job → register-model)`,
  );
  const connect = await step(
    ctx,
    s,
    'dev',
    ['connect', '--environment', 'dev'],
    (o) => `workspace ${o.workspace} in ${o.location}`,
  );
  state.trackingUri = connect.outputs['mlflow-tracking-uri'];
  if (run === 1) {
    s.blocks.push({
      kind: 'facts',
      rows: [
        ['studio', connect.outputs['studio-url']],
        ['MLflow tracking URI', connect.outputs['mlflow-tracking-uri']],
      ],
    });
  }
  await step(
    ctx,
    s,
    'dev',
    ['ensure-compute', '--file', '.cloud/compute/cpu-cluster.yml'],
    (o) => `${o.name} ${o.action} (${o['provisioning-state']})`,
  );
  // Run 1 trains with a cautious learning rate; run 2 with the project's default, which converges faster.
  const learningRate = run === 1 ? '0.1' : '0.5';
  const job = await step(
    ctx,
    s,
    'dev',
    ['submit-job', '--file', 'pipelines/train.yml', '--set', `inputs.learning_rate=${learningRate}`],
    (o) => `${o['job-name']} ${o.status}, accuracy ${metric(o, 'accuracy')}`,
  );
  const registration = await step(ctx, s, 'dev', registerArgs(project, job.outputs['job-name']), (o) => registered(o));
  const modelId = registration.outputs['model-id'];
  state.models.push({
    id: modelId,
    version: registration.outputs['model-version'],
    learningRate,
    job: job.outputs['job-name'],
  });
  const gateRows = [
    [
      `${job.outputs['job-name']} (learning rate ${learningRate})`,
      metric(job.outputs, 'accuracy'),
      registration.outputs['baseline-version']
        ? `${project.model}:${registration.outputs['baseline-version']} = ${round(Number(registration.outputs['baseline-value']))}`
        : 'no baseline yet',
      `registered ${modelId}: ${gateText(registration)}`,
    ],
  ];

  if (run === 2) {
    // A broken training (no epochs: it always answers the majority class) must not become a model.
    const broken = await step(
      ctx,
      s,
      'dev',
      ['submit-job', '--file', 'pipelines/train.yml', '--set', 'inputs.epochs=0', '--display-name', 'broken-no-epochs'],
      (o) => `${o['job-name']} ${o.status}, accuracy ${metric(o, 'accuracy')}`,
    );
    const rejected = await expectFailure(
      ctx,
      s,
      'dev',
      registerArgs(project, broken.outputs['job-name']),
      /rejected by the gate/,
    );
    gateRows.push([
      `${broken.outputs['job-name']} (no epochs)`,
      metric(broken.outputs, 'accuracy'),
      modelId,
      errorText(rejected).replace(/^amlops register-model: error: /, ''),
    ]);
  }
  s.blocks.push({ kind: 'table', head: ['training job', 'accuracy', 'compared with', 'gate'], rows: gateRows });
  s.blocks.push({
    kind: 'facts',
    rows: [
      ['training job in studio', job.outputs['studio-url'] ?? ''],
      ...Object.entries(JSON.parse(job.outputs.metrics ?? '{}') as Record<string, number>).map(
        ([k, v]) => [`metric ${k}`, String(round(v))] as [string, string],
      ),
    ],
  });

  const histories = await ctx.reader.metricHistories(state.trackingUri ?? '', job.outputs['job-name'], 'train_loss');
  const series = [...histories.values()][0];
  if (!series?.length) throw new DemoFailed(`the training job ${job.outputs['job-name']} logged no train_loss history`);
  say(
    `  loss per epoch (MLflow history of ${job.outputs['job-name']}): ${series.map((p) => `${p.step}:${round(p.value)}`).join('  ')}`,
  );
  state.losses.push({ name: `${modelId.replace(/^azureml:/, '')}, learning rate ${learningRate}`, points: series });
  if (run === 2) s.blocks.push(lossChart(state.losses));
}

/** The deployment the templates roll a model version out as (their deployment-name default). */
const deploymentName = (version: string): string => `model-v${version}`;

const registerArgs = (project: ProjectFacts, job: string): string[] => [
  'register-model',
  '--name',
  project.model,
  '--job-name',
  job,
  '--gate-metric',
  'accuracy',
  '--gate-goal',
  'maximize',
  '--set-baseline',
  'true',
];

/**
 * The deploy-online template's job: connect → deploy-online (files of .cloud/dev) → smoke-test.
 * As the templates do, each model version gets its own deployment, model-v<version>: run 1 creates
 * the endpoint with model-v1; run 2 rolls model-v2 out beside it as a canary and deletes model-v1.
 */
async function deployDev(ctx: Context, run: 1 | 2): Promise<void> {
  const { project, state } = ctx;
  const model = state.models[state.models.length - 1];
  const deployment = deploymentName(model.version);
  const s = stage(
    ctx,
    run === 1
      ? `Pipeline run 1 · deploy to dev (deploy-online template: connect → deploy-online → smoke-test): deployment ${deployment}`
      : `Pipeline run 2 · deploy to dev: canary rollout of deployment ${deployment} beside ${deploymentName(state.models[state.models.length - 2].version)}`,
  );
  await step(ctx, s, 'dev', ['connect', '--environment', 'dev'], (o) => `workspace ${o.workspace}`);
  const args = [
    'deploy-online',
    '--model',
    model.id,
    '--endpoint-file',
    '.cloud/dev/endpoint.yml',
    '--deployment-file',
    '.cloud/dev/deployment.yml',
    '--smoke-cases',
    project.smokeCases,
  ];
  // The templates' traffic steps with a short health window; the live deployment keeps serving
  // until the new version's has proven itself, and is deleted once it has no traffic left.
  args.push(
    '--deployment-name',
    deployment,
    '--delete-old',
    'true',
    '--traffic-steps',
    '10,50,100',
    '--step-wait',
    '2s',
  );
  const deployed = await step(
    ctx,
    s,
    'dev',
    args,
    (o) =>
      `${o.endpoint}/${o.deployment} ${o.action}, traffic ${traffic(o['previous-traffic'])} → ${traffic(o.traffic)}`,
  );
  const live = await ctx.reader.arm<{ properties?: { model?: string } }>(
    `workspaces/dev/onlineEndpoints/${deployed.outputs.endpoint}/deployments/${deployed.outputs.deployment}`,
  );
  const finalTraffic = JSON.parse(deployed.outputs.traffic ?? '{}') as Record<string, number>;
  const name = deployed.outputs.deployment;
  if (finalTraffic[name] !== 100) {
    throw new DemoFailed(`traffic ended at ${traffic(deployed.outputs.traffic)}, not ${name} 100%`);
  }
  say(
    `  traffic ended: ${traffic(deployed.outputs.traffic)} (deployment ${name} serves ${live.properties?.model ?? '?'})`,
  );
  s.blocks.push({
    kind: 'facts',
    rows: [
      ['endpoint', deployed.outputs.endpoint],
      ['scoring URI', deployed.outputs['scoring-uri']],
      [`deployment ${name} serves`, live.properties?.model ?? ''],
      ['traffic before', traffic(deployed.outputs['previous-traffic'])],
      ['traffic after', traffic(deployed.outputs.traffic)],
    ],
  });
  const rows = rolloutRows(deployed.summary);
  if (rows.length) {
    s.blocks.push({
      kind: 'table',
      head: ['rollout step', 'traffic', 'smoke / health'],
      rows: rows.map((r) => [r.step, r.traffic, r.health]),
    });
  }
  if (run === 2 && rows.length) {
    const before = Object.keys(JSON.parse(deployed.outputs['previous-traffic'] || '{}') as Record<string, number>);
    s.blocks.push({
      kind: 'chart',
      id: 'canary-traffic',
      title: 'Canary rollout: traffic per step',
      svg: stackedBars({
        title: `Canary rollout on ${deployed.outputs.endpoint}: traffic per step`,
        keys: [...before.filter((k) => k !== name), name],
        bars: rows.map((r) => ({ label: r.step, values: parseTraffic(r.traffic) })),
      }),
    });
  }
  const smoke = await step(
    ctx,
    s,
    'dev',
    ['smoke-test', '--endpoint', project.devEndpoint, '--cases', project.smokeCases],
    (o) => smokeLine(o),
  );
  state.latencies.push({ name: `dev, ${name}`, values: latencies(smoke) });
}

async function promote(ctx: Context): Promise<void> {
  const { project, state, emulator } = ctx;
  const s = stage(
    ctx,
    'Promote to prod (promote template: connect dev → promote-model → connect prod → deploy-online → smoke-test)',
  );
  const approved = state.models[state.models.length - 1];
  await step(ctx, s, 'prod', ['connect', '--environment', 'dev'], (o) => `source workspace ${o.workspace}`);
  const promoted = await step(
    ctx,
    s,
    'prod',
    ['promote-model', '--model', approved.id, '--registry', emulator.info.registry],
    (o) => `${o['model-id']} ${o.action}`,
  );
  // As the promote template does: prod deploys the promoted version, from the registry.
  state.registryModelId = promoted.outputs['model-id'];
  if (!state.registryModelId.startsWith('azureml://registries/')) {
    throw new DemoFailed(`promote-model returned ${state.registryModelId || 'no model id'}, not a registry model`);
  }
  await step(ctx, s, 'prod', ['connect', '--environment', 'prod'], (o) => `workspace ${o.workspace}`);
  const deployed = await step(
    ctx,
    s,
    'prod',
    [
      'deploy-online',
      '--endpoint-file',
      '.cloud/prod/endpoint.yml',
      '--deployment-file',
      '.cloud/prod/deployment.yml',
      '--model',
      state.registryModelId,
      '--deployment-name',
      deploymentName(promoted.outputs['model-version']),
      '--delete-old',
      'true',
      '--smoke-cases',
      project.smokeCases,
    ],
    (o) =>
      `${o.endpoint}/${o.deployment} ${o.action}, traffic ${traffic(o['previous-traffic'])} → ${traffic(o.traffic)}`,
  );
  const live = await ctx.reader.arm<{ properties?: { model?: string } }>(
    `workspaces/prod/onlineEndpoints/${deployed.outputs.endpoint}/deployments/${deployed.outputs.deployment}`,
  );
  const model = live.properties?.model ?? '';
  say(`  prod deployment ${deployed.outputs.deployment} serves model ${model}`);
  if (model !== state.registryModelId) {
    throw new DemoFailed(`the prod deployment serves ${model || 'no model'}, not ${state.registryModelId}`);
  }
  s.blocks.push({
    kind: 'facts',
    rows: [
      ['registry model', state.registryModelId],
      ['prod endpoint', deployed.outputs.endpoint],
      ['prod deployment model (ARM)', model],
      ['prod traffic', traffic(deployed.outputs.traffic)],
    ],
  });
  const smoke = await step(
    ctx,
    s,
    'prod',
    ['smoke-test', '--endpoint', project.prodEndpoint, '--cases', project.smokeCases],
    (o) => smokeLine(o),
  );
  state.latencies.push({ name: `prod, ${deployed.outputs.deployment}`, values: latencies(smoke) });
  s.blocks.push(latencyChart(state.latencies));
  s.blocks.push({
    kind: 'table',
    head: ['endpoint', 'requests', 'p50', 'p95', 'max'],
    rows: state.latencies.map((l) => [
      l.name,
      String(l.values.length),
      `${percentile(l.values, 50)} ms`,
      `${percentile(l.values, 95)} ms`,
      `${Math.max(...l.values)} ms`,
    ]),
  });
}

async function batchScore(ctx: Context): Promise<void> {
  const s = stage(
    ctx,
    'Batch scoring in prod (batch-score template: connect → ensure-compute → deploy-batch with a test invocation)',
  );
  await step(ctx, s, 'prod', ['connect', '--environment', 'prod'], (o) => `workspace ${o.workspace}`);
  // Batch deployments run on a cluster of the workspace they live in; prod's is new.
  await step(
    ctx,
    s,
    'prod',
    ['ensure-compute', '--file', '.cloud/compute/cpu-cluster.yml'],
    (o) => `${o.name} ${o.action} (${o['provisioning-state']})`,
  );
  const batch = await step(
    ctx,
    s,
    'prod',
    [
      'deploy-batch',
      '--endpoint-file',
      '.cloud/prod/batch-endpoint.yml',
      '--deployment-file',
      '.cloud/prod/batch-deployment.yml',
      '--test-input',
      'data/sample.csv',
    ],
    (o) => `${o.endpoint}/${o.deployment}, scoring job ${o['test-job-name']} completed`,
  );
  const preview = /```\n([\s\S]*?)```/.exec(batch.summary)?.[1];
  s.blocks.push({
    kind: 'facts',
    rows: [
      ['batch endpoint', batch.outputs.endpoint],
      ['scoring URI', batch.outputs['scoring-uri']],
      ['scoring job', batch.outputs['test-job-name']],
      ['predictions', batch.outputs['test-output']],
    ],
  });
  if (preview) s.blocks.push({ kind: 'code', text: preview });
}

// ------------------------------------------------------------------------------------ steps

function stage(ctx: Context, title: string): Section {
  heading(title);
  return ctx.report.section(title);
}

/** Runs a step; on failure records it and stops the demo with the step's own error. */
async function step(
  ctx: Context,
  s: Section,
  environment: string,
  args: string[],
  describe: (outputs: Record<string, string>) => string,
): Promise<StepRun> {
  say(`$ ${commandLine(args)}`);
  const run = await ctx.runner.step(environment, args);
  if (run.code !== 0) {
    const error = errorText(run);
    s.steps.push({ command: run.command, ok: false, line: error, ms: run.ms });
    say(`✖ ${args[0]} failed (exit ${run.code})`);
    throw new DemoFailed(`${args[0]} failed: ${error}`);
  }
  const line = describe(run.outputs);
  ok(args[0], `${line} (${seconds(run.ms)})`);
  s.steps.push({ command: run.command, ok: true, line, ms: run.ms });
  return run;
}

/** Runs a step that must fail with the given error (the gate refusing a worse model). */
async function expectFailure(
  ctx: Context,
  s: Section,
  environment: string,
  args: string[],
  expected: RegExp,
): Promise<StepRun> {
  say(`$ ${commandLine(args)}    # expected to fail`);
  const run = await ctx.runner.step(environment, args);
  const error = errorText(run);
  if (run.code === 0 || !expected.test(error)) {
    s.steps.push({ command: run.command, ok: false, line: `expected a refusal, got: ${error}`, ms: run.ms });
    throw new DemoFailed(`${args[0]} should have failed with ${expected}, but ${run.code === 0 ? 'succeeded' : error}`);
  }
  const line = `refused as expected: ${error.replace(/^amlops [\w-]+: error: /, '')}`;
  ok(args[0], `${line} (${seconds(run.ms)})`);
  s.steps.push({ command: run.command, ok: true, line, ms: run.ms });
  return run;
}

// ------------------------------------------------------------------------------------ report data

function lossChart(series: { name: string; points: MetricPoint[] }[]): Section['blocks'][number] {
  const last = series[series.length - 1];
  return {
    kind: 'chart',
    id: 'training-loss',
    title: 'Training loss per epoch',
    svg: lineChart({
      title: 'Training loss per epoch (MLflow metric train_loss)',
      xLabel: 'epoch',
      yLabel: 'train_loss',
      series: series.map((s) => ({ name: s.name, points: s.points.map((p) => [p.step, p.value] as const) })),
    }),
    mermaid: xychart(
      `Training loss per epoch, ${last.name}`,
      'epoch',
      'train_loss',
      last.points.map((p) => [p.step, p.value] as const),
    ),
  };
}

function latencyChart(series: { name: string; values: number[] }[]): Section['blocks'][number] {
  return {
    kind: 'chart',
    id: 'endpoint-latency',
    title: 'Endpoint latency per smoke request',
    svg: lineChart({
      title: 'Endpoint latency per smoke request',
      xLabel: 'request',
      yLabel: 'latency (ms)',
      yFromZero: true,
      series: series.map((s) => ({ name: s.name, points: s.values.map((v, i) => [i + 1, v] as const) })),
    }),
    mermaid: xychart(
      `Endpoint latency per smoke request (${series[0]?.name ?? ''})`,
      'request',
      'latency (ms)',
      (series[0]?.values ?? []).map((v, i) => [i + 1, v] as const),
    ),
  };
}

/** A mermaid xychart (GitHub renders it in markdown). */
function xychart(title: string, x: string, y: string, points: readonly (readonly [number, number])[]): string {
  return [
    'xychart-beta',
    `  title "${title.replace(/"/g, "'")}"`,
    `  x-axis "${x}" [${points.map((p) => p[0]).join(', ')}]`,
    `  y-axis "${y}"`,
    `  line [${points.map((p) => round(p[1])).join(', ')}]`,
  ].join('\n');
}

/** The rollout table deploy-online writes to its summary: | step | traffic | smoke / health |. */
function rolloutRows(summary: string): { step: string; traffic: string; health: string }[] {
  const rows: { step: string; traffic: string; health: string }[] = [];
  for (const line of summary.split('\n')) {
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    if (cells.length !== 3 || cells[0] === 'step' || /^-+$/.test(cells[0])) continue;
    rows.push({ step: cells[0], traffic: cells[1], health: cells[2] });
  }
  return rows;
}

const parseTraffic = (text: string): Record<string, number> =>
  Object.fromEntries([...text.matchAll(/([\w-]+)\s+(\d+)%/g)].map((m) => [m[1], Number(m[2])]));

function latencies(run: StepRun): number[] {
  const results = JSON.parse(run.outputs.results ?? '[]') as { latencyMs: number }[];
  return results.map((r) => Math.round(r.latencyMs));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const smokeLine = (o: Record<string, string>): string => {
  const values = (JSON.parse(o.results ?? '[]') as { latencyMs: number }[]).map((r) => Math.round(r.latencyMs));
  return `${o.passed} passed, ${o.failed} failed; latency p50 ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms`;
};

function traffic(json: string | undefined): string {
  const t = JSON.parse(json || '{}') as Record<string, number>;
  const parts = Object.entries(t)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}%`);
  return parts.length ? parts.join(', ') : 'none';
}

const metric = (o: Record<string, string>, name: string): string => {
  const v = (JSON.parse(o.metrics ?? '{}') as Record<string, number>)[name];
  return v === undefined ? 'n/a' : String(round(v));
};

const registered = (o: Record<string, string>): string =>
  `${o['model-id']} ${o.action}` +
  (o['baseline-version']
    ? ` (accuracy ${round(Number(o['metric-value']))} vs ${round(Number(o['baseline-value']))} of v${o['baseline-version']})`
    : ' (no baseline yet)');

function gateText(run: StepRun): string {
  const line = run.log.split('\n').find((l) => l.startsWith('Gate: '));
  return line ? line.slice('Gate: '.length) : `${run.outputs.action}`;
}

const round = (v: number): number => Math.round(v * 10_000) / 10_000;

// ------------------------------------------------------------------------------------ project

/** Modification time of the newest file the CLI bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of ['shared', 'cli', 'emulator']) if (fs.existsSync(path.join(root, dir))) visit(path.join(root, dir));
  return newest;
}

/** A git repository, as the project would be: register-model records its commit as lineage. */
function commitProject(dir: string): void {
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'user.name=amlops demo', '-c', 'user.email=demo@example.invalid', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  if (git('init', '-q').status === 0) {
    git('add', '-A');
    git('commit', '-q', '-m', 'Project scaffolded by amlops init');
  }
}

function topFolders(files: string[]): string {
  return [...new Set(files.map((f) => (f.includes('/') ? `${f.split('/')[0]}/` : f)))].join(' ');
}

// ------------------------------------------------------------------------------------ console

const say = (line: string) => process.stdout.write(`${line}\n`);
const heading = (title: string) => say(`\n== ${title}`);
const ok = (name: string, line: string) => say(`✔ ${name}: ${line}`);

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
