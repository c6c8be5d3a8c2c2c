import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadSpecValidator, type SpecValidator } from '../../emulator/spec-validator';
import { loadJob, parseJob } from '../../shared/aml/jobs/load';
import type { JobDefinition } from '../../shared/aml/jobs/model';
import { planJob } from '../../shared/aml/jobs/plan';
import { workspaceId, type WorkspaceScope } from '../../shared/aml/jobs/refs';
import { translateJob, type AssetResolver, type JobRequests } from '../../shared/aml/jobs/translate';
import { errorMessage } from '../../shared/errors';

export const SPEC_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'specs');
export const CORPUS = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'azureml-examples', 'cli', 'jobs');
export const SCOPE: WorkspaceScope = { subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws' };
export const WS = workspaceId(SCOPE);
export const JOB_PATH = `${WS}/jobs/j`;

let validator: Promise<SpecValidator> | undefined;
export const specValidator = (): Promise<SpecValidator> => (validator ??= loadSpecValidator(SPEC_DIR));

/** A test double of the resolver: deterministic ids that show what was asked for. */
export function fakeResolver(calls: string[] = []): AssetResolver {
  return {
    uploadCode: async (c) => {
      calls.push(`code ${path.basename(c.localDir)}`);
      return `${WS}/codes/CODE(${path.basename(c.localDir)})/versions/1`;
    },
    uploadInput: async (i) => {
      calls.push(`input ${i.type} ${path.basename(i.localPath)}`);
      return `azureml://datastores/${i.datastore}/paths/LocalUpload/HASH/${path.basename(i.localPath)}`;
    },
    ensureEnvironment: async (e) => {
      calls.push(`environment ${e.name}:${e.version ?? 'BUILD'}`);
      return `${WS}/environments/${e.name}/versions/${e.version ?? 'BUILD'}`;
    },
    ensureComponent: async (c) => {
      calls.push(`component ${c.name}:${c.version}`);
      return `${WS}/components/${c.name}/versions/${c.version}`;
    },
    resolveReference: async (r) => {
      calls.push(`label ${r.kind}/${r.name}@${r.label}`);
      return `${WS}/${r.kind}/${r.name}/versions/LABEL(${r.label})`;
    },
  };
}

export const OPTIONS = { scope: SCOPE, jobName: 'job1', defaultExperimentName: 'exp' };

export async function translateText(text: string, overrides: string[] = [], file = '/tmp/x/job.yml') {
  const job = parseJob(text, file, { overrides });
  return translateJob(planJob(job), fakeResolver(), OPTIONS);
}

export async function translateFile(file: string, overrides: string[] = []): Promise<JobRequests> {
  return translateJob(planJob(loadJob(file, { overrides, cwd: CORPUS })), fakeResolver(), OPTIONS);
}

export function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('expected an error');
}

export async function asyncFailure(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('expected an error');
}

export const loadText = (text: string, overrides: string[] = []): JobDefinition =>
  parseJob(text, 'job.yml', { overrides });

export const JOB_TYPES = ['command', 'sweep', 'pipeline', 'spark', 'automl'];

/** Every corpus YAML that is a job (not a component, environment or data asset), with its kind. */
export function corpusJobs(root = CORPUS): { file: string; type: string }[] {
  const out: { file: string; type: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        let data: unknown;
        try {
          data = parse(fs.readFileSync(full, 'utf8'));
        } catch {
          continue;
        }
        if (!data || typeof data !== 'object' || Array.isArray(data)) continue;
        const d = data as Record<string, unknown>;
        const schema = typeof d.$schema === 'string' ? d.$schema : '';
        const isJob = schema
          ? /Job\.schema\.json$/.test(schema)
          : 'command' in d || 'jobs' in d || 'trial' in d || ['finetuning', 'automl', 'spark'].includes(String(d.type));
        if (isJob) out.push({ file: full, type: String(d.type ?? 'command') });
      }
    }
  };
  walk(root);
  return out;
}
