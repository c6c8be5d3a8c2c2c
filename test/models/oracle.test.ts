import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { oracleUnavailable, SHARED } from '../support/oracle';
import {
  loadAllowedDifferences,
  oracleCreate,
  startOracleEmulator,
  unexplainedDifferences,
} from '../support/wire-diff';
import { runInProcess } from './support';

/**
 * Microsoft's azure-ai-ml creates models from the corpus model YAML files against the emulator,
 * and register-model's request body for the same file matches its body, field by field, except
 * for the differences allowed-differences.json explains.
 */
const reason = oracleUnavailable();
if (reason) console.warn(`model oracle skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

const CLI = path.join(SHARED, 'corpus', 'azureml-examples', 'cli');
const FILES = [
  'assets/model/local-file.yml',
  'assets/model/local-mlflow.yml',
  'endpoints/online/managed/minimal/single-model-registered/model.yml',
  'endpoints/online/managed/inference-schema/model.yml',
];

const RULES = loadAllowedDifferences(__dirname);

let emulator: Emulator;
let tmp: string;
let token: string;

beforeAll(async () => {
  if (reason) return;
  ({ emulator, token } = await startOracleEmulator({ computeProvisioningMs: 20 }));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-model-oracle-'));
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

/** A copy of the file in its own folder with the files it points at (the corpus leaves them out). */
function materialize(rel: string, copy: string): string {
  const src = path.join(CLI, rel);
  const dest = path.join(tmp, copy, rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const text = fs.readFileSync(src, 'utf8').replace('{{MODEL_VERSION}}', '4');
  fs.writeFileSync(dest, text);
  const modelPath = /^path:\s*(.+?)\s*$/m.exec(text)![1];
  const target = path.resolve(path.dirname(dest), modelPath);
  if (/\.\w+$/.test(modelPath)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, 'pickled model');
  } else {
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'MLmodel'), 'flavors:\n  python_function: {}\n');
    fs.writeFileSync(path.join(target, 'model.pkl'), 'pickled model');
  }
  return dest;
}

type Json = Record<string, unknown>;

function versionPut(workspace: string, name: string): { path: string; body: Json } {
  const found = emulator.requests.filter(
    (r) => r.method === 'PUT' && r.path.includes(`/workspaces/${workspace}/models/${name}/versions/`),
  );
  if (found.length !== 1) throw new Error(`expected one version PUT for ${name} in ${workspace}, saw ${found.length}`);
  return { path: found[0].path, body: found[0].body as Json };
}

describe('model YAML: azure-ai-ml and register-model send the same version body', () => {
  it.each(FILES)(
    '%s',
    async (rel) => {
      if (reason) return;
      const oracleFile = materialize(rel, 'oracle');
      const oursFile = materialize(rel, 'ours');
      const name = /^name:\s*(\S+)/m.exec(fs.readFileSync(oracleFile, 'utf8'))![1];
      await oracleCreate(emulator, token, 'model', oracleFile);
      const ours = await runInProcess(emulator, path.dirname(oursFile), 'register-model', { file: oursFile }, 'prod');
      expect(ours.error).toBeUndefined();

      const theirs = versionPut('dev', name);
      const mine = versionPut('prod', name);
      expect(mine.path.replace(/.*\/models\//, '')).toBe(theirs.path.replace(/.*\/models\//, ''));
      expect(unexplainedDifferences(RULES, 'model', theirs.body, mine.body)).toEqual([]);
      // Both versions point at the same content the same way (uploaded under the content hash).
      expect(emulator.specViolations).toEqual([]);
    },
    120_000,
  );
});

oracleTest('every allowed difference has a reason', () => {
  for (const rule of RULES) expect(rule.reason.length).toBeGreaterThan(20);
});
