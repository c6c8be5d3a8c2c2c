import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveAssetReference } from '../assets/store';
import { parseBlobUrl } from '../blob-store';
import { isRecord } from '../http';
import { resolveCommand } from './bindings';
import { DATA_INPUT_TYPES, describeInput, materializeInput, outputLocalPath, uploadOutput } from './data';
import { durationMs } from './durations';
import { DATA_LOG, SNAPSHOT_LOG, STD_LOG } from './logs';
import { lastLines, runProcess } from './process';
import { isDataOutput, outputType, artifactPrefix } from './resource';
import { machinePython, pythonAliasDir, standInPythonPath } from './python-env';
import { UserJobError, type JobContext, type Outcome } from './runner';
import { datastoreSeeds } from '../routes/datastores';

/**
 * A command job on this machine: the code snapshot is downloaded into a working folder, inputs are
 * downloaded next to it, `${{...}}` in the command are replaced by local paths and values, and the
 * command runs with `bash -c` and the machine's interpreters (environments are not built). Its
 * output is the job's user_logs/std_log.txt; outputs are uploaded to their datastore paths at the end.
 */
export async function runCommandJob(job: JobContext): Promise<Outcome> {
  const { rec, logs } = job;
  job.setStatus('Queued');
  await job.pause();
  job.setStatus('Preparing');
  const wd = path.join(job.folder, 'wd');
  fs.rmSync(wd, { recursive: true, force: true });
  fs.mkdirSync(path.join(wd, 'outputs'), { recursive: true });
  fs.mkdirSync(path.join(wd, 'logs'), { recursive: true });

  const python = await machinePython();
  const standIn = python.hasMlflow ? undefined : standInPythonPath();
  logs.write(STD_LOG, `${environmentNotice(job, python, standIn)}\n`);

  await downloadCode(job, wd);
  const inputs = await prepareInputs(job);
  const outputs = prepareOutputs(job);
  const command = resolveCommand(String(rec.request.command), {
    inputs: inputs.values,
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.localPath])),
  });
  await job.pause();

  const env = processEnvironment(job, standIn, inputs.values, outputs);
  if (python.python && !python.hasPlainPython)
    env.PATH = [pythonAliasDir(python.python), env.PATH].filter(Boolean).join(path.delimiter);
  const timeoutMs = durationMs(isRecord(rec.request.limits) ? rec.request.limits.timeout : undefined);
  job.setStatus('Running');
  const result = await runProcess({
    command,
    cwd: wd,
    env,
    signal: job.signal,
    timeoutMs,
    onOutput: (chunk) => logs.write(STD_LOG, chunk),
  });

  // A stopped job ends there: like a torn-down container, it uploads no outputs.
  if (result.stoppedBecause === 'canceled' || job.signal.aborted) return { status: 'Canceled' };
  if (result.stoppedBecause === 'timeout') {
    const seconds = Math.round((timeoutMs ?? 0) / 1000);
    return {
      status: 'Canceled',
      error: {
        code: 'UserError',
        message: `The job ran longer than its limits.timeout (${seconds} seconds) and was canceled.`,
      },
    };
  }
  job.setStatus('Finalizing');
  await uploadResults(job, wd, outputs);
  if (result.code === 0) return { status: 'Completed' };
  const status = result.code ?? `signal ${result.signal}`;
  return {
    status: 'Failed',
    error: {
      code: 'UserError',
      message: `Execution failed. User process '/bin/bash' exited with status code ${status}. Please check log file '${STD_LOG}' for error details. Error: ${lastLines(result.stderrTail) || '(no output on stderr)'}`,
    },
  };
}

/** The one line every job log starts with: what runs the command instead of the job's environment. */
function environmentNotice(
  job: JobContext,
  python: { python?: string; version?: string; hasMlflow: boolean },
  standIn?: string,
): string {
  const envId = String(job.rec.request.environmentId ?? '');
  const env = resolveAssetReference(job.w, job.ws, 'environments', envId);
  const image = typeof env?.version.properties.image === 'string' ? ` (image ${env.version.properties.image})` : '';
  const interpreter = python.python ? `python3 ${python.version ?? ''} at ${python.python}` : 'no python3 on PATH';
  const mlflow = python.hasMlflow
    ? 'mlflow from this machine'
    : standIn
      ? "the emulator's mlflow stand-in"
      : 'no mlflow';
  return `[amlops emulator] Environments are not built locally: environment ${envId.split('/environments/').pop() || '(none)'}${image} is ignored and the command runs with this machine's interpreters (${interpreter}; ${mlflow}).`;
}

async function downloadCode(job: JobContext, wd: string): Promise<void> {
  const codeId = job.rec.request.codeId;
  if (typeof codeId !== 'string' || !codeId) return;
  const code = resolveAssetReference(job.w, job.ws, 'codes', codeId);
  if (!code) throw new UserJobError(`The job's code ${codeId} does not exist in workspace '${job.ws.name}'.`);
  const codeUri = String(code.version.properties.codeUri ?? '');
  if (/^git\+/i.test(codeUri)) {
    throw new UserJobError(
      `Code from git (${codeUri}) is not supported by the local emulator; upload the code folder instead.`,
    );
  }
  const where = parseBlobUrl(codeUri);
  if (!where || !job.w.blobs) {
    throw new UserJobError(`The code ${codeId} points at ${codeUri}, which is not in the emulator's storage.`);
  }
  const { files } = await job.w.blobs.download(
    where.container,
    where.path.endsWith('/') ? where.path : `${where.path}/`,
    wd,
  );
  job.logs.line(
    SNAPSHOT_LOG,
    `Downloaded code snapshot ${codeId} (${files} files) from ${where.container}/${where.path}`,
  );
}

async function prepareInputs(job: JobContext): Promise<{ values: Record<string, string | undefined> }> {
  const values: Record<string, string | undefined> = {};
  const defs = isRecord(job.rec.request.inputs) ? job.rec.request.inputs : {};
  for (const [name, def] of Object.entries(defs)) {
    const input = describeInput(def);
    if (input.type === 'literal' || !DATA_INPUT_TYPES.includes(input.type)) {
      values[name] = input.value;
      continue;
    }
    if (!input.uri) throw new UserJobError(`Input '${name}' (${input.type}) has no uri.`);
    if ((input.mode ?? '').toLowerCase() === 'direct') {
      values[name] = input.uri;
      continue;
    }
    const { localPath, files } = await materializeInput(
      job.w,
      job.ws,
      name,
      input.type,
      input.uri,
      path.join(job.folder, 'inputs'),
    );
    job.logs.line(DATA_LOG, `Input ${name}: ${input.uri} -> ${localPath} (${files} files)`);
    values[name] = localPath;
  }
  return { values };
}

interface LocalOutput {
  localPath: string;
  uri: string;
}

function prepareOutputs(job: JobContext): Record<string, LocalOutput> {
  const out: Record<string, LocalOutput> = {};
  const defs = isRecord(job.rec.request.outputs) ? job.rec.request.outputs : {};
  for (const [name, def] of Object.entries(defs)) {
    if (!isDataOutput(def)) continue;
    const uri = job.rec.outputUris[name];
    out[name] = { uri, localPath: outputLocalPath(path.join(job.folder, 'outputs'), name, outputType(def), uri) };
  }
  return out;
}

/** Variables that name credentials of the emulator's own process are not passed on to jobs. */
const PRIVATE_VARIABLE = /(SECRET|PASSWORD|TOKEN|CREDENTIAL|_KEY$|^AZURE_CLIENT_|^AMLOPS_)/i;

function processEnvironment(
  job: JobContext,
  standIn: string | undefined,
  inputs: Record<string, string | undefined>,
  outputs: Record<string, LocalOutput>,
): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !PRIVATE_VARIABLE.test(k)));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    // Python buffers output written to a pipe; unbuffered, a follower sees each print at once.
    PYTHONUNBUFFERED: '1',
    ...job.runner.serviceEnvironment(job.ws, job.rec),
  };
  if (standIn) env.PYTHONPATH = [standIn, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  for (const [name, value] of Object.entries(inputs)) if (value !== undefined) env[`AZURE_ML_INPUT_${name}`] = value;
  for (const [name, value] of Object.entries(outputs)) env[`AZURE_ML_OUTPUT_${name}`] = value.localPath;
  const own = isRecord(job.rec.request.environmentVariables) ? job.rec.request.environmentVariables : {};
  for (const [k, v] of Object.entries(own)) env[k] = String(v);
  return env;
}

/** Outputs to their datastore paths; ./outputs and ./logs to the run's artifact folder. */
async function uploadResults(job: JobContext, wd: string, outputs: Record<string, LocalOutput>): Promise<void> {
  if (!job.w.blobs) return;
  for (const [name, out] of Object.entries(outputs)) {
    const files = await uploadOutput(job.w, job.ws, out.localPath, out.uri);
    job.logs.line(DATA_LOG, `Output ${name}: ${files} files -> ${out.uri}`);
  }
  const artifacts = datastoreSeeds(job.ws).find((d) => d.name === 'workspaceartifactstore');
  if (!artifacts) return;
  for (const folder of ['outputs', 'logs']) {
    const files = await job.w.blobs.upload(
      path.join(wd, folder),
      artifacts.container,
      `${artifactPrefix(job.rec.name)}/${folder}`,
    );
    if (files > 0)
      job.logs.line(DATA_LOG, `Artifacts ./${folder}: ${files} files -> ${artifactPrefix(job.rec.name)}/${folder}`);
  }
}
