import * as path from 'node:path';
import { loadJob } from '../../shared/aml/jobs/load';
import { errorMessage } from '../../shared/errors';
import { corpusJobs, JOB_TYPES } from '../jobs/helpers';
import { explain, type AllowedRule } from './allowed';
import { assetReferences, computeNames, hasOwnCompute, readYaml, type AssetReference } from './corpus-tree';
import {
  definitionsOf,
  pool,
  register,
  runOracle,
  runOurs,
  sdkComponentVersions,
  type ClientRun,
  type Registration,
  type Workspace,
} from './harness';
import { assetNameVersion, comparable, diff, leafCount, normalise, type Difference, type RequestKind } from './wire';

/** One corpus file through both clients, compared. */

export interface Finding extends Difference {
  kind: RequestKind;
  /** The request, e.g. jobs/{job} or environments/CliV2AnonymousEnvironment/versions/... */
  request: string;
}

export interface FileResult {
  rel: string;
  type: string;
  overrides: string[];
  outcome: 'matched' | 'mismatched' | 'oracle-refused' | 'ours-failed' | 'both-failed';
  oracle: ClientRun;
  ours: ClientRun;
  /** Differences no rule explains. */
  findings: Finding[];
  /** Request pairs compared and the leaf fields they held. */
  requestsCompared: number;
  fieldsCompared: number;
  /** How often each rule explained a difference here. */
  explained: Map<AllowedRule, number>;
  /** PUTs the emulator rejected (status >= 400), per side. */
  rejected: { side: 'oracle' | 'ours'; kind: RequestKind; request: string; status: number }[];
}

export interface Candidate {
  file: string;
  rel: string;
  type: string;
  data: unknown;
}

export interface Selection {
  /** Command, sweep and pipeline files the translation takes. */
  supported: Candidate[];
  /** Files of those kinds the translation refuses (not supported yet), with its message. */
  refusedByUs: { rel: string; type: string; message: string }[];
  /** Files of other kinds (automl, spark, ...). */
  otherKinds: number;
}

/** Sorts the corpus copy's job files by what the translation's loader says about them. */
export function selectFiles(root: string): Selection {
  const out: Selection = { supported: [], refusedByUs: [], otherKinds: 0 };
  for (const { file, type } of corpusJobs(root)) {
    const rel = path.relative(root, file);
    if (!JOB_TYPES.includes(type)) {
      out.otherKinds++;
      continue;
    }
    try {
      loadJob(file, { cwd: root });
    } catch (err) {
      out.refusedByUs.push({ rel, type, message: errorMessage(err).split('\n')[0] });
      continue;
    }
    out.supported.push({ file, rel, type, data: readYaml(file) });
  }
  return out;
}

/** The compute this SDK needs where a file has none (it predates serverless jobs). */
export const DEFAULT_COMPUTE = 'cpu-cluster';

/** Runtimes of serverless Spark this SDK version accepts (it refuses later ones the service has since added). */
const ORACLE_SPARK_RUNTIMES = ['3.1', '3.2'];
/** A name a compute can have; anything else is a placeholder such as <ATTACHED_SPARK_POOL_NAME>. */
export const COMPUTE_NAME = /^[A-Za-z][A-Za-z0-9-]{1,15}$/;

/**
 * `--set` overrides both clients get, for what this SDK predates: a compute for files written for
 * serverless jobs, a runtime it knows for serverless Spark jobs naming a later one, and a real
 * compute where a Spark file has a placeholder for an attached pool's name.
 */
export function overridesFor(c: Candidate): string[] {
  const d = c.data as { type?: unknown; resources?: { runtime_version?: unknown }; compute?: unknown };
  if (d.type === 'spark') {
    if (d.resources) {
      const runtime = String(d.resources.runtime_version ?? '');
      return ORACLE_SPARK_RUNTIMES.includes(runtime) ? [] : ['resources.runtime_version=3.2'];
    }
    const compute = String(d.compute ?? '').replace(/^azureml:/, '');
    if (!COMPUTE_NAME.test(compute)) return [`compute=azureml:${DEFAULT_COMPUTE}`];
    return [];
  }
  const own = hasOwnCompute(c.data) ? [] : [`compute=azureml:${DEFAULT_COMPUTE}`];
  // Spark steps of a pipeline get the same overrides as Spark jobs, one step at a time.
  type Step = { type?: unknown; resources?: { runtime_version?: unknown }; compute?: unknown };
  const jobs = (d as { jobs?: Record<string, Step> }).jobs ?? {};
  const steps: string[] = [];
  for (const [name, s] of Object.entries(jobs)) {
    if (s?.type !== 'spark') continue;
    if (s.resources && !ORACLE_SPARK_RUNTIMES.includes(String(s.resources.runtime_version ?? '')))
      steps.push(`jobs.${name}.resources.runtime_version=3.2`);
    const compute = String(s.compute ?? '').replace(/^azureml:/, '');
    if (s.compute !== undefined && !COMPUTE_NAME.test(compute))
      steps.push(`jobs.${name}.compute=azureml:${DEFAULT_COMPUTE}`);
  }
  return [...own, ...steps];
}

/** Computes the files name, plus the default one. */
export function computesNeeded(files: Candidate[]): string[] {
  return [...new Set([DEFAULT_COMPUTE, ...files.flatMap((c) => computeNames(c.data))])].sort();
}

const KIND_ORDER: AssetReference['kind'][] = ['data', 'models', 'environments', 'components'];

/**
 * Named assets the files refer to, and those the definitions found for them refer to in turn; one
 * entry per kind, name and version/label, in an order where what is referred to comes first.
 */
export function referencesNeeded(files: Candidate[], root?: string): AssetReference[] {
  const seen = new Map<string, AssetReference>();
  const queue = files.flatMap((c) => assetReferences(c.data));
  while (queue.length) {
    const r = queue.shift()!;
    const key = `${r.kind}/${r.name}/${r.version ?? '@' + r.label}`;
    if (seen.has(key)) continue;
    seen.set(key, r);
    const definition = root ? definitionsOf(root, r)[0] : undefined;
    if (definition) queue.push(...assetReferences(readYaml(definition)));
  }
  return [...seen.values()].sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name),
  );
}

/** Prepares every workspace: computes, then referenced assets (two oracle processes at a time). */
export async function prepareWorkspaces(
  workspaces: Workspace[],
  root: string,
  files: Candidate[],
): Promise<Registration[]> {
  // Names a compute cannot have (placeholders such as '<your compute name>') are left to fail alike.
  const computes = computesNeeded(files).filter((c) => COMPUTE_NAME.test(c));
  for (const ws of workspaces) for (const c of computes) await ws.createCompute(c);
  const refs = referencesNeeded(files, root);
  // One lane per workspace; in a workspace, in order: a component may use a data asset or environment.
  const perWorkspace = await pool(workspaces, workspaces.length, async (ws) => {
    const out: Registration[] = [];
    for (const ref of refs) out.push(await register(ws, root, ref));
    return out;
  });
  return perWorkspace[0];
}

/** Runs both clients on one file in one workspace and compares what they sent. */
export async function compareFile(
  ws: Workspace,
  c: Candidate,
  index: number,
  rules: AllowedRule[],
): Promise<FileResult> {
  const overrides = overridesFor(c);
  const oracleName = `diff_oracle_${index}`;
  const ourName = `diff_ours_${index}`;
  // Both run from the file's folder, as the examples are run (and its name is the default experiment).
  const cwd = path.dirname(c.file);
  const oracle = await ws.record(() =>
    runOracle(ws, { file: c.file, cwd, overrides: [`name=${oracleName}`, ...overrides] }),
  );
  const ours = await ws.record(() => runOurs(ws, { file: c.file, cwd, overrides, name: ourName }));
  const result: FileResult = {
    rel: c.rel,
    type: c.type,
    overrides,
    outcome: 'matched',
    oracle,
    ours,
    findings: [],
    explained: new Map(),
    rejected: [],
    requestsCompared: 0,
    fieldsCompared: 0,
  };
  for (const [side, run] of [
    ['oracle', oracle],
    ['ours', ours],
  ] as const) {
    for (const r of run.requests)
      if (r.status >= 400) result.rejected.push({ side, kind: r.kind, request: r.path, status: r.status });
  }
  const sentJob = (run: ClientRun) => run.requests.some((r) => r.kind === 'job');
  if (!sentJob(oracle)) {
    result.outcome = sentJob(ours) || ours.ok ? 'oracle-refused' : 'both-failed';
    return result;
  }
  if (!sentJob(ours)) {
    result.outcome = 'ours-failed';
    return result;
  }

  const { info } = ws.emulator;
  const { pairs } = normalise(
    { requests: oracle.requests, jobName: oracleName },
    { requests: ours.requests, jobName: ourName },
    { workspaceId: ws.id, armBase: info.armEndpoint, blobEndpoint: info.blobEndpoint },
  );
  for (const p of pairs) {
    result.requestsCompared++;
    result.fieldsCompared += leafCount(comparable(p.oracle ?? p.ours));
    for (const d of diff(comparable(p.oracle), comparable(p.ours))) {
      const rule = explain(rules, p.kind, d);
      if (rule) result.explained.set(rule, (result.explained.get(rule) ?? 0) + 1);
      else result.findings.push({ ...d, kind: p.kind, request: p.label });
    }
  }
  result.outcome = result.findings.length ? 'mismatched' : 'matched';
  return result;
}

/**
 * Versions of anonymous components are hashes of their spec, so the comparison puts them aside
 * where the spec holds a generated code name. This checks them on their own: every component
 * version either client sent must be what azure-ai-ml's hash_dict gives for the spec it sent.
 * Ours wrong is a finding; the oracle's own not reproducing means the check cannot judge that spec
 * (e.g. a float the request log turned into an integer), which is noted instead.
 */
export async function checkComponentVersions(
  results: FileResult[],
): Promise<{ findings: string[]; notes: string[]; checked: number }> {
  const items: { rel: string; side: 'oracle' | 'ours'; path: string; version: string; spec: unknown }[] = [];
  for (const r of results) {
    for (const side of ['oracle', 'ours'] as const) {
      for (const q of r[side].requests) {
        const nv = q.kind === 'component' ? assetNameVersion(q.path) : undefined;
        const spec = (q.body as { properties?: { componentSpec?: Record<string, unknown> } })?.properties
          ?.componentSpec;
        if (!nv || nv.name !== 'azureml_anonymous' || !spec) continue;
        const { _source: _s, ...hashed } = spec;
        items.push({ rel: r.rel, side, path: q.path, version: nv.version, spec: hashed });
      }
    }
  }
  const versions = items.length ? await sdkComponentVersions(items.map((i) => i.spec)) : [];
  const findings: string[] = [];
  const notes: string[] = [];
  const wrong = items.filter((item, i) => versions[i] !== item.version);
  for (const w of wrong) {
    const expected = versions[items.indexOf(w)];
    const line = `${w.rel}: component ${w.path}: version ${w.version}, azure-ai-ml's hash of the spec sent is ${expected}`;
    const oracleAlsoWrong = wrong.some((x) => x.rel === w.rel && x.side === 'oracle');
    (w.side === 'ours' && !oracleAlsoWrong ? findings : notes).push(`${line} (${w.side})`);
  }
  return { findings, notes, checked: items.length };
}
