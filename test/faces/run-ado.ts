import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MockTestRunner } from 'azure-pipelines-task-lib/mock-test';
import { commandFromString } from 'azure-pipelines-task-lib/taskcommand';
import { camelCase } from '../../shared/declarations/types';
import { cleanEnv, nodeBinary, runNode, type NodeChoice, type SpawnOptions } from './child';
import { freshBundles, repoRoot } from './fresh-bundles';

/** An AzureRM service connection as the agent hands it to a task (ENDPOINT_* variables). */
export interface TestEndpoint {
  id: string;
  /** ServicePrincipal, WorkloadIdentityFederation, ManagedServiceIdentity. */
  scheme: string;
  /** Authorization parameters: serviceprincipalid, serviceprincipalkey, tenantid, authenticationType, ... */
  params: Record<string, string>;
  /** Data parameters: environment, subscriptionId, activeDirectoryAuthority, ... */
  data?: Record<string, string>;
  /** Resource Manager URL. */
  url?: string;
}

export interface AdoRun {
  code: number | null;
  /**
   * stdout + stderr without `##vso[task.setsecret]` and `##vso[task.debug]` lines: what a secrets
   * canary should search (task-lib debug-logs endpoint parameters, which the agent masks).
   */
  log: string;
  stdout: string;
  stderr: string;
  /** From `##vso[task.complete result=Failed]`: the only reliable verdict (MockTestRunner.succeeded is not). */
  failed: boolean;
  /** `##vso[task.setvariable ...;isOutput=true]` by variable name (camelCase). */
  outputs: Record<string, string>;
  /** Plain (non-output) variables set for later tasks, e.g. what connect exports. */
  variables: Record<string, string>;
  /** Values registered with `##vso[task.setsecret]`. */
  secrets: string[];
  issues: { type: string; message: string; sourcepath?: string; linenumber?: string }[];
  /** Paths given to `##vso[task.uploadsummary]`, with their content at the end of the run. */
  summaries: { path: string; content: string }[];
}

export interface AdoRunOptions extends Pick<SpawnOptions, 'timeoutMs' | 'onSpawn'> {
  node?: NodeChoice;
  /**
   * 'spawn' (default) runs the task asynchronously, so an emulator served by the test process keeps
   * answering; 'mock-test' goes through task-lib's MockTestRunner, whose spawnSync blocks this
   * process until the task ends (fine when nothing in-process must answer the task).
   */
  harness?: 'spawn' | 'mock-test';
  /** Extra environment of the task process. */
  env?: Record<string, string>;
  /** System.DefaultWorkingDirectory and working directory; a fresh temporary folder by default. */
  cwd?: string;
  /** Script to run instead of the task's index.js, relative to the fresh bundles (e.g. a probe). */
  entry?: string;
}

/**
 * Runs tasks/Aml<Step>V1/index.js through a TaskMockRunner script (azure-pipelines-task-lib/mock-run)
 * with the real, bundled task-lib: inputs by their kebab names (set as the camelCase task inputs),
 * an optional service connection, and pipeline variables.
 */
function taskDefaults(pascal: string): Record<string, string> {
  const file = path.join(__dirname, '..', '..', 'tasks', `Aml${pascal}V1`, 'task.json');
  if (!fs.existsSync(file)) return {};
  const task = JSON.parse(fs.readFileSync(file, 'utf8')) as { inputs?: { name: string; defaultValue?: string }[] };
  const out: Record<string, string> = {};
  for (const input of task.inputs ?? []) if (input.defaultValue) out[input.name] = input.defaultValue;
  return out;
}

export async function runAdoTask(
  stepId: string,
  inputs: Record<string, string> = {},
  endpoint?: TestEndpoint,
  variables: Record<string, string> = {},
  options: AdoRunOptions = {},
): Promise<AdoRun> {
  const bundles = await freshBundles();
  const pascal = stepId.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
  const taskPath = path.join(bundles, options.entry ?? path.join('tasks', `Aml${pascal}V1`, 'index.js'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `amlops-ado-${stepId}-`));
  const cwd = options.cwd ?? fs.mkdtempSync(path.join(tmp, 'work-'));
  const agentTemp = fs.mkdtempSync(path.join(tmp, 'agent-temp-'));
  const env: Record<string, string> = {
    // The vault key and the summary go to Agent.TempDirectory; never into the repository.
    AGENT_TEMPDIRECTORY: agentTemp,
    SYSTEM_DEFAULTWORKINGDIRECTORY: cwd,
    ...options.env,
  };
  for (const [name, value] of Object.entries(variables)) env[name.replace(/\./g, '_').toUpperCase()] = value;
  // Like the agent, inputs the pipeline leaves out get their task.json defaultValue.
  const taskInputs: Record<string, string> = options.entry ? {} : taskDefaults(pascal);
  for (const [name, value] of Object.entries(inputs)) taskInputs[camelCase(name)] = value;
  if (endpoint) {
    taskInputs.azureSubscription ??= endpoint.id;
    Object.assign(env, endpointEnv(endpoint));
  }
  const runner = path.join(tmp, 'runner.js');
  fs.writeFileSync(runner, runnerSource(taskPath, taskInputs, env, cwd));
  let stdout: string;
  let stderr: string;
  let code: number | null;
  if (options.harness === 'mock-test') {
    const taskJson = path.join(path.dirname(taskPath), 'task.json');
    const tr = new MockTestRunner(runner, fs.existsSync(taskJson) ? taskJson : undefined);
    // Set before running (and no LoadAsync): without nodePath MockTestRunner downloads a Node build.
    tr.nodePath = nodeBinary(options.node);
    await tr.runAsync();
    ({ stdout, stderr } = tr);
    code = null;
  } else {
    ({ stdout, stderr, code } = await runNode(nodeBinary(options.node), [runner], {
      cwd,
      env: cleanEnv(),
      timeoutMs: options.timeoutMs,
      onSpawn: options.onSpawn,
    }));
  }
  const run = parseAdoOutput(stdout, stderr, code);
  fs.rmSync(tmp, { recursive: true, force: true });
  return run;
}

/** The variables the agent sets for a service connection (see task-lib's getEndpoint* functions). */
export function endpointEnv(e: TestEndpoint): Record<string, string> {
  const env: Record<string, string> = {
    [`ENDPOINT_AUTH_${e.id}`]: JSON.stringify({ scheme: e.scheme, parameters: e.params }),
    [`ENDPOINT_AUTH_SCHEME_${e.id}`]: e.scheme,
  };
  for (const [k, v] of Object.entries(e.params)) env[`ENDPOINT_AUTH_PARAMETER_${e.id}_${k.toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(e.data ?? {})) env[`ENDPOINT_DATA_${e.id}_${k.toUpperCase()}`] = v;
  if (e.url) env[`ENDPOINT_URL_${e.id}`] = e.url;
  return env;
}

/** A TaskMockRunner script; everything it needs is written into it, so nothing leaks through our env. */
function runnerSource(
  taskPath: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  cwd: string,
): string {
  const mockRun = path.join(repoRoot, 'node_modules', 'azure-pipelines-task-lib', 'mock-run');
  return `'use strict';
const { TaskMockRunner } = require(${JSON.stringify(mockRun)});
const env = ${JSON.stringify(env)};
for (const k of Object.keys(process.env)) if (/^(INPUT_|ENDPOINT_|SECRET_|VSTS_|SYSTEM_|AGENT_)/.test(k)) delete process.env[k];
Object.assign(process.env, env);
process.chdir(${JSON.stringify(cwd)});
const tmr = new TaskMockRunner(${JSON.stringify(taskPath)});
const inputs = ${JSON.stringify(inputs)};
for (const name of Object.keys(inputs)) tmr.setInput(name, inputs[name]);
// true: no mocked task-lib; the bundle carries the real one, as on an agent.
tmr.run(true);
`;
}

export function parseAdoOutput(stdout: string, stderr: string, code: number | null): AdoRun {
  const log = `${stdout}\n${stderr}`
    .split(/\r?\n/)
    .filter((l) => !/##vso\[task\.(setsecret|debug)\b/.test(l))
    .join('\n');
  const run: AdoRun = {
    code,
    stdout,
    stderr,
    log,
    failed: false,
    outputs: {},
    variables: {},
    secrets: [],
    issues: [],
    summaries: [],
  };
  for (const line of stdout.split(/\r?\n/)) {
    const at = line.indexOf('##vso[');
    if (at < 0) continue;
    const cmd = commandFromString(line.slice(at));
    const p = cmd.properties as Record<string, string>;
    switch (cmd.command) {
      case 'task.complete':
        if (p.result === 'Failed') run.failed = true;
        break;
      case 'task.setvariable':
        if (p.issecret === 'true') run.secrets.push(cmd.message);
        (p.isOutput === 'true' ? run.outputs : run.variables)[p.variable] = cmd.message;
        break;
      case 'task.setsecret':
        run.secrets.push(cmd.message);
        break;
      case 'task.issue':
      case 'task.logissue':
        run.issues.push({ type: p.type, message: cmd.message, sourcepath: p.sourcepath, linenumber: p.linenumber });
        break;
      case 'task.uploadsummary':
        run.summaries.push({
          path: cmd.message,
          content: fs.existsSync(cmd.message) ? fs.readFileSync(cmd.message, 'utf8') : '',
        });
        break;
    }
  }
  return run;
}
