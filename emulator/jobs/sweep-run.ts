import { isRecord } from '../http';
import { durationMs } from './durations';
import { isEvaluationPoint, parsePolicy, shouldStop, type TerminationPolicy } from './early-termination';
import type { JobRecord } from './model';
import { findJob } from './store';
import { abortableDelay, UserJobError, type JobContext, type Outcome } from './runner';
import { parameterText, parseDistribution, sampleTrials, SamplingError, type Distribution } from './sampling';

/** Locally, a sweep runs at most this many trials whatever its limits say (the machine is not a cluster). */
export const MAX_LOCAL_TRIALS = 20;
/** The sweep's own log, as azure-ai-ml streams it for sweep jobs. */
export const SWEEP_LOG = 'azureml-logs/hyperdrive.txt';
const MONITOR_INTERVAL_MS = 250;

interface TrialState {
  index: number;
  name: string;
  params: Record<string, unknown>;
  record?: JobRecord;
  done: boolean;
  /** Intervals already evaluated by the early-termination policy. */
  evaluated: number;
  stoppedEarly?: boolean;
}

/**
 * A sweep job: trials are command jobs (`<sweep>_<n>`) with sampled hyperparameters put into the
 * trial's command, run at most max_concurrent_trials at a time. The primary metric is read from
 * each trial's MLflow run; the early-termination policy is applied while trials report it, and the
 * best completed trial is recorded on the sweep (properties best_child_run_id and score).
 */
export async function runSweepJob(job: JobContext): Promise<Outcome> {
  const req = job.rec.request;
  const trialSpec = isRecord(req.trial) ? req.trial : {};
  if (typeof trialSpec.command !== 'string') throw new UserJobError("The sweep's trial has no command.");
  const objective = isRecord(req.objective) ? req.objective : {};
  const primaryMetric = String(objective.primaryMetric ?? objective.primary_metric ?? '');
  if (!primaryMetric) throw new UserJobError('The sweep has no objective.primaryMetric.');
  const maximize = String(objective.goal ?? '').toLowerCase() === 'maximize';
  const limits = isRecord(req.limits) ? req.limits : {};
  const sampling = isRecord(req.samplingAlgorithm) ? req.samplingAlgorithm : {};
  const algorithm = String(sampling.samplingAlgorithmType ?? sampling.type ?? 'Random');

  let space: Record<string, Distribution>;
  let trials: Array<Record<string, unknown>>;
  const wanted = Math.min(
    Number(limits.maxTotalTrials ?? limits.max_total_trials) || MAX_LOCAL_TRIALS,
    MAX_LOCAL_TRIALS,
  );
  try {
    space = Object.fromEntries(
      Object.entries(isRecord(req.searchSpace) ? req.searchSpace : {}).map(([k, v]) => [k, parseDistribution(k, v)]),
    );
    const seed = typeof sampling.seed === 'number' ? sampling.seed : seedFrom(job.rec.name);
    trials = sampleTrials(algorithm, space, wanted, seed);
  } catch (e) {
    if (e instanceof SamplingError) throw new UserJobError(e.message);
    throw e;
  }
  const concurrency = Math.max(
    1,
    Math.min(Number(limits.maxConcurrentTrials ?? limits.max_concurrent_trials) || trials.length, trials.length),
  );
  const policy = parsePolicy(req.earlyTermination);
  const log = (text: string): void => job.logs.line(SWEEP_LOG, text);

  job.setStatus('Queued');
  await job.pause();
  job.setStatus('Running');
  log(
    `Sweep ${job.rec.name}: ${trials.length} trials (${algorithm} sampling), up to ${concurrency} at a time, ${maximize ? 'maximizing' : 'minimizing'} ${primaryMetric}`,
  );
  if (Number(limits.maxTotalTrials) > MAX_LOCAL_TRIALS) {
    job.rec.warnings.push(
      `The local emulator runs at most ${MAX_LOCAL_TRIALS} trials; limits.max_total_trials ${String(limits.maxTotalTrials)} was capped.`,
    );
  }

  // The sweep's own timeout stops every trial.
  const trialsController = new AbortController();
  const sweepTimeout = durationMs(limits.timeout);
  const timer = sweepTimeout ? setTimeout(() => trialsController.abort('timeout'), sweepTimeout) : undefined;
  const onAbort = (): void => trialsController.abort(job.signal.reason);
  job.signal.addEventListener('abort', onAbort, { once: true });

  const states: TrialState[] = trials.map((params, index) => ({
    index,
    name: `${job.rec.name}_${index}`,
    params,
    done: false,
    evaluated: 0,
  }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < states.length && !trialsController.signal.aborted) {
      const state = states[next++];
      log(`Trial ${state.name} started with ${JSON.stringify(state.params)}`);
      const props = trialProperties(job, trialSpec, state);
      state.record = await job.runner.runChild(job.rec, state.name, props, trialsController.signal);
      state.done = true;
      const metric = lastMetric(job, state.name, primaryMetric);
      log(
        `Trial ${state.name} ${state.stoppedEarly ? 'stopped early' : state.record.status.toLowerCase()}; ${primaryMetric} = ${metric ?? 'not logged'}`,
      );
    }
  };
  const monitor = policy ? watchTrials(job, policy, maximize, primaryMetric, states, log) : undefined;
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onAbort);
    monitor?.stop();
  }

  job.setStatus('Finalizing');
  const best = bestTrial(job, states, primaryMetric, maximize);
  if (best) {
    job.rec.serviceProperties.best_child_run_id = best.name;
    job.rec.serviceProperties.score = String(best.value);
    job.runner.options.mlflow.setTag(job.ws.name, job.rec.name, 'best_child_run_id', best.name);
    log(`Best trial: ${best.name} with ${primaryMetric} = ${best.value}`);
    // The sweep's outputs are its best trial's (what a pipeline step after the sweep reads).
    const winner = findJob(job.w, job.ws.name, best.name);
    for (const name of Object.keys(job.rec.outputUris)) {
      const uri = winner?.outputUris[name];
      if (uri) job.rec.outputUris[name] = uri;
    }
  }
  if (job.signal.aborted) return { status: 'Canceled' };
  if (trialsController.signal.reason === 'timeout') {
    return {
      status: 'Canceled',
      error: { code: 'UserError', message: `The sweep ran longer than its limits.timeout and was canceled.` },
    };
  }
  const completed = states.filter((s) => s.record?.status === 'Completed');
  if (completed.length === 0) {
    const firstError = states.find((s) => s.record?.error)?.record?.error?.message;
    return {
      status: 'Failed',
      error: {
        code: 'UserError',
        message: `No trial of the sweep completed.${firstError ? ` First trial error: ${firstError}` : ''}`,
      },
    };
  }
  return { status: 'Completed' };
}

function seedFrom(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** A trial's command job: the trial's definition with its hyperparameters written into the command. */
function trialProperties(job: JobContext, trial: Record<string, unknown>, state: TrialState): Record<string, unknown> {
  const req = job.rec.request;
  const values = Object.fromEntries(Object.entries(state.params).map(([k, v]) => [k, parameterText(v)]));
  const command = String(trial.command).replace(
    /\$\{\{\s*search_space\.([a-zA-Z0-9_.-]+)\s*\}\}/g,
    (all, key: string) => values[key] ?? all,
  );
  const limits = isRecord(req.limits) ? req.limits : {};
  const trialTimeout = limits.trialTimeout ?? limits.trial_timeout;
  const props: Record<string, unknown> = {
    jobType: 'Command',
    displayName: state.name,
    experimentName: req.experimentName ?? 'Default',
    command,
    environmentId: trial.environmentId,
    properties: { hyperparameters: JSON.stringify(state.params) },
    tags: {},
  };
  for (const field of ['codeId', 'environmentVariables', 'resources', 'distribution']) {
    if (trial[field] !== undefined && trial[field] !== null) props[field] = trial[field];
  }
  for (const field of ['computeId', 'outputs', 'identity']) {
    if (req[field] !== undefined && req[field] !== null) props[field] = req[field];
  }
  // Sampled values are also the trial's inputs: component trials read them as ${{inputs.<name>}}.
  const sampled = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, { jobInputType: 'literal', value: v }]),
  );
  props.inputs = { ...(isRecord(req.inputs) ? req.inputs : {}), ...sampled };
  if (trialTimeout !== undefined && trialTimeout !== null)
    props.limits = { jobLimitsType: 'Command', timeout: trialTimeout };
  return props;
}

function metricValues(job: JobContext, trial: string, metric: string): number[] {
  const run = job.runner.options.mlflow.findRun(job.ws.name, trial);
  return (run?.metrics[metric] ?? []).map((p) => p.value);
}

function lastMetric(job: JobContext, trial: string, metric: string): number | undefined {
  return metricValues(job, trial, metric).at(-1);
}

/** Applies the early-termination policy to running trials as their primary metric comes in. */
function watchTrials(
  job: JobContext,
  policy: TerminationPolicy,
  maximize: boolean,
  metric: string,
  states: TrialState[],
  log: (text: string) => void,
): { stop(): void } {
  const controller = new AbortController();
  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      await abortableDelay(MONITOR_INTERVAL_MS, controller.signal).catch(() => undefined);
      const histories = new Map(states.map((s) => [s.name, metricValues(job, s.name, metric)]));
      for (const state of states) {
        const rec = findJob(job.w, job.ws.name, state.name);
        if (!rec || state.done || state.stoppedEarly || rec.status !== 'Running') continue;
        const reported = histories.get(state.name)?.length ?? 0;
        for (let n = state.evaluated + 1; n <= reported; n++) {
          state.evaluated = n;
          if (!isEvaluationPoint(policy, n) || !shouldStop(policy, maximize, state.name, n, histories)) continue;
          state.stoppedEarly = true;
          rec.warnings.push(`Stopped early by the sweep's ${policy.type} policy at interval ${n}.`);
          log(`Trial ${state.name}: ${policy.type} policy stops it at interval ${n}`);
          job.runner.cancel(rec);
          break;
        }
      }
    }
  };
  void loop();
  return { stop: () => controller.abort() };
}

function bestTrial(
  job: JobContext,
  states: TrialState[],
  metric: string,
  maximize: boolean,
): { name: string; value: number } | undefined {
  let best: { name: string; value: number } | undefined;
  for (const s of states) {
    if (s.record?.status !== 'Completed') continue;
    const value = lastMetric(job, s.name, metric);
    if (value === undefined) continue;
    if (!best || (maximize ? value > best.value : value < best.value)) best = { name: s.name, value };
  }
  return best;
}
