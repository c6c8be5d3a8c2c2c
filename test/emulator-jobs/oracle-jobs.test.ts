import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { ORACLE_DIR, oracleUnavailable, PYTHON, runOracle, SHARED, type OracleRun } from '../support/oracle';
import { Workspace } from './helpers';

/**
 * Microsoft's own client (azure-ai-ml as Debian packages it) submits corpus jobs to the emulator:
 * it uploads code, registers anonymous environments and components, PUTs the job, and the job runs.
 * What it sent stays in the request log, whole, for the differential tests.
 */

const BASICS = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'jobs', 'basics');

function jobOracleUnavailable(): string | undefined {
  return fs.existsSync(BASICS) ? oracleUnavailable() : `${BASICS} is missing`;
}

const reason = jobOracleUnavailable();
if (reason) console.warn(`oracle job tests skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

let emulator: Emulator;
let ws: Workspace;

beforeAll(async () => {
  if (reason) return;
  emulator = await startTestEmulator({ acceptStaticTokens: ['oracle-token'], jobStatusDelayMs: 50 });
  ws = new Workspace(emulator);
  await ws.createCompute('cpu-cluster');
});
afterAll(() => emulator?.stop());

function oracle(...args: string[]): Promise<OracleRun> {
  return runOracle(emulator.info, { workspace: 'dev', blobUrl: emulator.info.blobEndpoint }, ...args);
}

/** The JSON the oracle printed (progress bars of uploads go to stderr). */
function printed(run: OracleRun): any {
  expect([run.code, run.stderr.includes('Error') ? run.stderr : '']).toEqual([0, '']);
  return JSON.parse(run.stdout);
}

oracleTest(
  'azure-ai-ml creates hello-world command jobs; they run and complete with their inputs and outputs',
  async () => {
    const [input, output] = await Promise.all([
      oracle('create', 'job', path.join(BASICS, 'hello-world-input.yml'), '--set', 'compute=azureml:cpu-cluster'),
      oracle('create', 'job', path.join(BASICS, 'hello-world-output-data.yml'), '--set', 'compute=azureml:cpu-cluster'),
    ]);
    // A command job prints as a Command node: its name is the component's.
    const inputJob = { name: printed(input).component.name as string };
    const outputJob = { name: printed(output).component.name as string };
    expect(inputJob.name).toMatch(/^[a-z]+_[a-z]+_[a-z0-9]+$/);

    const done = await ws.waitForJob(inputJob.name);
    expect(done.properties.status).toBe('Completed');
    const log = await ws.logText(inputJob.name);
    expect(log).toMatch(/^hello world$/m);
    expect(log).toMatch(/^42$/m);
    expect((await ws.waitForJob(outputJob.name)).properties.status).toBe('Completed');
    expect(await ws.readBlob(`azureml/${outputJob.name}/hello_output/helloworld.txt`)).toBe('hello world\n');

    // The SDK reads the finished job back through ARM, as `az ml job show` does.
    const shown = printed(await oracle('show', 'job', inputJob.name));
    expect(shown.component.name).toBe(inputJob.name);
    expect(shown.properties.EndTimeUtc).toMatch(/^\d{4}-/);
    expect(shown.outputs.default.path).toBe(
      `azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.${inputJob.name}`,
    );

    // The request log keeps what the SDK sent, whole: the job PUT (2022-10-01-preview) and the anonymous environment.
    const put = emulator.requests.find((r) => r.method === 'PUT' && r.path.endsWith(`/jobs/${inputJob.name}`));
    expect(put?.query['api-version']).toBe('2022-10-01-preview');
    expect(put?.body).toMatchObject({
      properties: {
        jobType: 'Command',
        command: 'echo ${{inputs.hello_string}}\necho ${{inputs.hello_number}}\n',
        inputs: {
          hello_string: { jobInputType: 'literal', value: 'hello world' },
          hello_number: { jobInputType: 'literal', value: '42' },
        },
      },
    });
    const environments = emulator.requests
      .filter((r) => r.method === 'PUT' && r.path.includes('/environments/CliV2AnonymousEnvironment/'))
      .map((r) => r.body);
    expect(environments).toContainEqual({
      properties: { isAnonymous: true, isArchived: false, image: 'library/python:latest' },
    });
    expect(emulator.specViolations).toEqual([]);
  },
  60_000,
);

oracleTest(
  'azure-ai-ml creates a pipeline job (code upload, anonymous component); its step runs and writes its output',
  async () => {
    const created = printed(
      await oracle('create', 'job', path.join(BASICS, 'hello-pipeline-customize-output-folder.yml')),
    );
    const done = await ws.waitForJob(created.name, undefined, 40_000);
    expect(done.properties.status).toBe('Completed');
    const children = (await ws.history(`runs/${created.name}/children`)).json.value;
    expect(children.map((c: any) => [c.displayName, c.status])).toEqual([['hello_world', 'Completed']]);
    // The step's output path was azureml://datastores/workspaceblobstore/paths/${{name}}/ (the step's job name).
    expect(await ws.readBlob(`${children[0].runId}/hello_world-folder.txt`)).toBe('world\n');
    expect(await ws.logText(children[0].runId)).toMatch(/^hello$/m);
    // jobs.list(parent_job_name=...) reads the children from run history.
    const listed = await sdk(
      'print(json.dumps([[j.name, j.display_name, j.status] for j in ml.jobs.list(parent_job_name=arg)]))',
      created.name,
    );
    expect(listed.stdout).not.toContain('RAISED');
    expect(JSON.parse(listed.stdout)).toEqual([[children[0].runId, 'hello_world', 'Completed']]);
    expect(emulator.requests.some((r) => r.path.endsWith(`/runs/${created.name}/children`))).toBe(true);
    const component = emulator.requests.find(
      (r) => r.method === 'PUT' && r.path.includes('/components/azureml_anonymous/'),
    );
    expect((component?.body as any).properties.componentSpec.command).toBe(
      'echo "hello" && echo "world" > ${{outputs.output}}/hello_world-folder.txt',
    );
    expect(emulator.specViolations).toEqual([]);
  },
  60_000,
);

/** Runs Python against the SDK set up the way oracle.py sets it up; `ml` is the MLClient, `arg` the extra argument. */
const SDK_PRELUDE = `
import json, sys
sys.path.insert(0, sys.argv[1])
import oracle
from azure.ai.ml import MLClient
info = json.loads(sys.argv[2])
oracle.point_sdk_at(info["armEndpoint"].rstrip("/"), info["blobEndpoint"])
ml = MLClient(oracle.StaticToken("oracle-token"), info["subscriptionId"], info["resourceGroup"], "dev", cloud="Emulator")
arg = sys.argv[3]
try:
    exec(sys.argv[4])
except Exception as e:
    print("RAISED", type(e).__name__, e)
`;

function sdk(code: string, arg: string): Promise<OracleRun> {
  const env = { ...process.env, REQUESTS_CA_BUNDLE: emulator.info.caCertFile, SSL_CERT_FILE: emulator.info.caCertFile };
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      ['-c', SDK_PRELUDE, ORACLE_DIR, JSON.stringify(emulator.info), arg, code],
      { encoding: 'utf8', timeout: 45_000, env },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

const stream = (job: string): Promise<OracleRun> => sdk('ml.jobs.stream(arg)', job);

oracleTest(
  'azure-ai-ml streams logs until the job ends (run history details, log blobs in the artifact store)',
  async () => {
    const body = (name: string, command: string) =>
      ws.arm('PUT', `/jobs/${name}`, {
        properties: { jobType: 'Command', command, environmentId: 'azureml:AzureML-sklearn-1.5:1' },
      });
    expect((await body('streamed-ok', 'sleep 3; for i in 1 2 3 4; do echo line $i; sleep 0.5; done')).status).toBe(201);
    expect((await body('streamed-bad', 'echo about to fail; sleep 4; echo "KeyError: lr" >&2; exit 2')).status).toBe(
      201,
    );
    const [ok, bad] = await Promise.all([stream('streamed-ok'), stream('streamed-bad')]);
    expect(ok.stdout).toContain('RunId: streamed-ok');
    expect(ok.stdout).toContain('Streaming user_logs/std_log.txt');
    expect(ok.stdout).toMatch(/line 1\nline 2\nline 3\nline 4\n/);
    expect(ok.stdout).toContain('Execution Summary');
    expect(ok.stdout).not.toContain('RAISED');
    expect(bad.stdout).toContain('about to fail');
    expect(bad.stdout).toMatch(/RAISED JobException[\s\S]*exited with status code 2[\s\S]*KeyError: lr/);
    // What it called: run details, then the log blobs it lists in the artifact store (Azurite).
    const details = emulator.requests.filter((r) => r.path.endsWith('/runs/streamed-ok/details'));
    expect(details.length).toBeGreaterThan(1);
    expect(emulator.specViolations).toEqual([]);
  },
  60_000,
);

oracleTest(
  'azure-ai-ml cancels a running job and waits for the cancel to finish',
  async () => {
    const put = await ws.arm('PUT', '/jobs/oracle-cancel', {
      properties: { jobType: 'Command', command: 'sleep 30', environmentId: 'azureml:AzureML-sklearn-1.5:1' },
    });
    expect(put.status).toBe(201);
    await ws.waitForJob('oracle-cancel', (s) => s === 'Running');
    const run = await oracle('cancel-job', 'oracle-cancel');
    expect([run.code, run.stderr.includes('Error') ? run.stderr : '']).toEqual([0, '']);
    expect((await ws.arm('GET', '/jobs/oracle-cancel')).json.properties.status).toBe('Canceled');
    expect(emulator.specViolations).toEqual([]);
  },
  60_000,
);
