import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explain, loadAllowedRules, pathPattern, type AllowedRule } from './allowed';
import { assetReferences, computeNames, hasOwnCompute, localPaths, prepareCorpusCopy } from './corpus-tree';
import { checkComponentVersions, type FileResult } from './differential';
import { oracleUnavailable, sdkComponentVersions, type ClientRun } from './harness';
import { ABSENT, comparable, diff, normalise, type WireRequest } from './wire';

/**
 * The differential is only as good as its comparison: these pin down that any changed, missing or
 * extra field is reported, that the allowed-difference rules explain exactly what they say and
 * nothing else, and that normalisation only hides what is generated.
 */

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/dev';
const ENV = {
  workspaceId: WS,
  armBase: 'https://127.0.0.1:8443/',
  blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
};

const job = (name: string, props: Record<string, unknown>, apiVersion = '2024-10-01'): WireRequest => ({
  kind: 'job',
  path: `jobs/${name}`,
  apiVersion,
  status: 201,
  body: { properties: props },
});

const commandJob = (name: string) => ({
  jobType: 'Command',
  displayName: name,
  experimentName: 'basics',
  computeId: `${WS}/computes/cpu-cluster`,
  command: 'python main.py --lr ${{inputs.lr}}',
  environmentId: `${WS}/environments/CliV2AnonymousEnvironment/versions/0123456789abcdef0123456789abcdef`,
  inputs: { lr: { jobInputType: 'literal', value: '0.01' } },
  outputs: {},
  resources: { instanceCount: 2, properties: {} },
  isArchived: false,
});

function differences(oracle: WireRequest[], ours: WireRequest[]) {
  const { pairs } = normalise({ requests: oracle, jobName: 'o1' }, { requests: ours, jobName: 'a1' }, ENV);
  return pairs.flatMap((p) => diff(comparable(p.oracle), comparable(p.ours)).map((d) => ({ ...d, kind: p.kind })));
}

describe('diff', () => {
  it('finds nothing in equal bodies, whatever the key order', () => {
    expect(diff({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('reports changed, missing, extra and retyped members as JSON paths', () => {
    const oracle = { p: { a: 1, b: 'x', c: [1, 2], d: { 'my.key': true }, e: '42' } };
    const ours = { p: { a: 2, c: [1], d: { 'my.key': false }, e: 42, f: null } };
    expect(diff(oracle, ours)).toEqual([
      { path: 'p.a', oracle: 1, ours: 2 },
      { path: 'p.b', oracle: 'x', ours: ABSENT },
      { path: 'p.c[1]', oracle: 2, ours: ABSENT },
      { path: 'p.d["my.key"]', oracle: true, ours: false },
      { path: 'p.e', oracle: '42', ours: 42 },
      { path: 'p.f', oracle: ABSENT, ours: null },
    ]);
  });

  it('reports a request only one side sent as a whole', () => {
    expect(diff(comparable(job('x', {})), ABSENT)).toEqual([
      { path: '$', oracle: { url: 'jobs/x', 'api-version': '2024-10-01', body: { properties: {} } }, ours: ABSENT },
    ]);
  });
});

describe('a changed translation fails the differential', () => {
  const rules = loadAllowedRules();
  const unexplained = (oracle: WireRequest[], ours: WireRequest[]) =>
    differences(oracle, ours).filter((d) => !explain(rules, d.kind, d));

  it('passes the same job body sent by both (job names and api-version aside)', () => {
    const o = job('o1', { ...commandJob('o1') }, '2022-10-01-preview');
    const a = job('a1', { ...commandJob('a1') });
    expect(unexplained([o], [a])).toEqual([]);
  });

  const mutations: [string, (p: Record<string, any>) => void, string][] = [
    ['a literal input sent as a number', (p) => (p.inputs.lr.value = 0.01), 'body.properties.inputs.lr.value'],
    ['an input dropped', (p) => delete p.inputs.lr, 'body.properties.inputs.lr'],
    ['an extra field', (p) => (p.queueSettings = { jobTier: 'Spot' }), 'body.properties.queueSettings'],
    ['a different compute', (p) => (p.computeId = `${WS}/computes/gpu-cluster`), 'body.properties.computeId'],
    ['a changed instance count', (p) => (p.resources.instanceCount = 1), 'body.properties.resources.instanceCount'],
    ['a changed command', (p) => (p.command = 'python main.py --lr {inputs.lr}'), 'body.properties.command'],
    ['isArchived left out of a job', (p) => delete p.isArchived, 'body.properties.isArchived'],
    [
      'the environment version',
      (p) => (p.environmentId = p.environmentId.replace(/f$/, '0')),
      'body.properties.environmentId',
    ],
  ];
  for (const [what, mutate, at] of mutations) {
    it(`reports ${what}`, () => {
      const ours = commandJob('a1') as Record<string, any>;
      mutate(ours);
      const found = unexplained([job('o1', commandJob('o1'), '2022-10-01-preview')], [job('a1', ours)]);
      expect(found.map((d) => d.path)).toEqual([at]);
    });
  }

  it('does not let the api-version rule excuse another api-version than the pinned one', () => {
    const found = unexplained([job('o1', commandJob('o1'), '2022-10-01')], [job('a1', commandJob('a1'), '2023-04-01')]);
    expect(found.map((d) => d.path)).toEqual(['api-version']);
  });

  it('reports an environment version only one side registered', () => {
    const env = (v: string, apiVersion: string): WireRequest => ({
      kind: 'environment',
      path: `environments/CliV2AnonymousEnvironment/versions/${v}`,
      apiVersion,
      status: 201,
      body: { properties: { image: 'python:3.10', isAnonymous: true } },
    });
    const found = unexplained([env('aaa', '2022-05-01')], [env('bbb', '2024-10-01')]);
    expect(found.map((d) => [d.path, d.oracle, d.ours])).toEqual([
      [
        'url',
        'environments/CliV2AnonymousEnvironment/versions/aaa',
        'environments/CliV2AnonymousEnvironment/versions/bbb',
      ],
    ]);
  });
});

describe('normalise', () => {
  const code = (name: string, folder: string, apiVersion: string, archived?: boolean): WireRequest => ({
    kind: 'code',
    path: `codes/${name}/versions/1`,
    apiVersion,
    status: 201,
    body: {
      properties: {
        codeUri: `${apiVersion.startsWith('2022') ? 'http://127.0.0.1:10000' : ENV.blobEndpoint}/azureml-blobstore-1/LocalUpload/0f/${folder}`,
        isAnonymous: true,
        properties: { hash_sha256: `sha-of-${folder}`, hash_version: '202208' },
        ...(archived === undefined ? {} : { isArchived: archived }),
      },
    },
  });
  const component = (version: string, codeName: string, command: string, apiVersion: string): WireRequest => ({
    kind: 'component',
    path: `components/azureml_anonymous/versions/${version}`,
    apiVersion,
    status: 201,
    body: {
      properties: {
        componentSpec: {
          name: 'azureml_anonymous',
          version: '1',
          command,
          code: `azureml:${WS}/codes/${codeName}/versions/1`,
        },
        isAnonymous: true,
      },
    },
  });
  const pipeline = (name: string, componentVersion: string, apiVersion: string) =>
    job(
      name,
      { jobs: { train: { componentId: `${WS}/components/azureml_anonymous/versions/${componentVersion}` } } },
      apiVersion,
    );

  it('pairs code uploads by folder and tokens their names and the component versions hashed over them', () => {
    const oracle = [
      code('random-1', 'src', '2022-05-01', false),
      code('random-2', 'src', '2022-05-01', false),
      component('v-o', 'random-1', 'python a.py', '2022-10-01'),
      component('v-o2', 'random-2', 'python a.py', '2022-10-01'),
      pipeline('o1', 'v-o', '2022-10-01-preview'),
    ];
    const ours = [
      code('content-1', 'src', '2024-10-01'),
      component('v-a', 'content-1', 'python a.py', '2024-10-01'),
      pipeline('a1', 'v-a', '2024-10-01'),
    ];
    const rules = loadAllowedRules();
    expect(differences(oracle, ours).filter((d) => !explain(rules, d.kind, d))).toEqual([]);
  });

  it('keeps a real difference in a component spec visible', () => {
    const oracle = [code('r1', 'src', '2022-05-01', false), component('v-o', 'r1', 'python a.py', '2022-10-01')];
    const ours = [code('c1', 'src', '2024-10-01'), component('v-a', 'c1', 'python b.py', '2024-10-01')];
    const rules = loadAllowedRules();
    const found = differences(oracle, ours).filter((d) => !explain(rules, d.kind, d));
    expect(found.map((d) => d.path)).toContain('body.properties.componentSpec.command');
  });

  it('keeps versions of components without uploaded code as they are', () => {
    const plain = (version: string, apiVersion: string): WireRequest => ({
      kind: 'component',
      path: `components/azureml_anonymous/versions/${version}`,
      apiVersion,
      status: 201,
      body: { properties: { componentSpec: { command: 'echo hi' } } },
    });
    const found = differences([plain('v1', '2022-10-01')], [plain('v2', '2024-10-01')]);
    expect(found.map((d) => [d.path, d.oracle, d.ours])).toContainEqual([
      'url',
      'components/azureml_anonymous/versions/v1',
      'components/azureml_anonymous/versions/v2',
    ]);
  });
});

describe('allowed-differences.json', () => {
  const rules = loadAllowedRules();

  it('gives every rule a reason and names no file', () => {
    for (const r of rules) {
      expect(r.reason.length).toBeGreaterThan(30);
      expect(JSON.stringify(r)).not.toMatch(/\.ya?ml\b|corpus|azureml-examples/);
    }
  });

  it('path patterns: * is one member, [*] one index, ** anything', () => {
    expect(pathPattern('body.*.x').test('body.a.x')).toBe(true);
    expect(pathPattern('body.*.x').test('body.a.b.x')).toBe(false);
    expect(pathPattern('body.*.x').test('body["a.b"].x')).toBe(true);
    expect(pathPattern('a[*].b').test('a[3].b')).toBe(true);
    expect(pathPattern('a.**').test('a.b[1].c')).toBe(true);
    expect(pathPattern('api-version').test('body.api-version')).toBe(false);
  });

  it('applies a rule only to its kinds of request and the values it names', () => {
    const rule: AllowedRule = {
      path: 'body.properties.isArchived',
      appliesTo: ['environment'],
      oracle: { equals: false },
      ours: { absent: true },
      reason: 'test',
    };
    const d = { path: 'body.properties.isArchived', oracle: false, ours: ABSENT };
    expect(explain([rule], 'environment', d)).toBe(rule);
    expect(explain([rule], 'job', d)).toBeUndefined();
    expect(explain([rule], 'environment', { ...d, oracle: true })).toBeUndefined();
    expect(explain([rule], 'environment', { ...d, ours: true })).toBeUndefined();
  });
});

describe('corpus tree', () => {
  it('reads local paths, references and computes from YAML keys, not file names', () => {
    const doc = {
      code: './src',
      compute: 'azureml:cpu-cluster',
      environment: { build: { path: 'ctx', dockerfile_path: 'docker/Dockerfile' }, conda_file: 'env/conda.yml' },
      inputs: {
        table: { type: 'mltable', path: './tbl' },
        file: { type: 'uri_file', path: 'data/x.csv' },
        remote: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/x/' },
        asset: { type: 'uri_folder', path: 'azureml:my-data@latest' },
        n: 3,
      },
      jobs: { step: { component: 'azureml:my_train:2', compute: '${{parent.inputs.compute}}' } },
      settings: { default_compute: 'azureml:gpu-cluster' },
    };
    expect(localPaths(doc).map((p) => [p.value, p.need.kind])).toEqual([
      ['./src', 'folder'],
      ['ctx', 'folder'],
      ['env/conda.yml', 'file'],
      ['./tbl', 'folder'],
      ['data/x.csv', 'file'],
    ]);
    expect(assetReferences(doc)).toEqual([
      { kind: 'data', name: 'my-data', label: 'latest', version: undefined },
      { kind: 'components', name: 'my_train', label: undefined, version: '2' },
    ]);
    expect(computeNames(doc).sort()).toEqual(['cpu-cluster', 'gpu-cluster']);
    expect(hasOwnCompute({ command: 'x' })).toBe(false);
    expect(hasOwnCompute({ settings: { default_compute: 'azureml:serverless' } })).toBe(true);
  });

  it('creates distinct placeholders for what the YAML files name, inside the copy only', () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-diff-src-'));
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-diff-dest-')), 'copy');
    try {
      fs.mkdirSync(path.join(src, 'a'));
      fs.writeFileSync(
        path.join(src, 'a', 'job.yml'),
        'code: src\ncommand: python main.py\ninputs:\n  t:\n    type: mltable\n    path: tbl\n  escape:\n    path: ../../../outside\nenvironment:\n  image: python\n  conda_file: conda.yml\n',
      );
      fs.writeFileSync(path.join(src, 'a', 'other.yml'), 'code: ../b/src\n');
      const { created } = prepareCorpusCopy(src, dest);
      expect(created).toEqual(['a/conda.yml', 'a/src', 'a/tbl', 'b/src']);
      expect(fs.readFileSync(path.join(dest, 'a/tbl/MLTable'), 'utf8')).toContain('paths:');
      const a = fs.readFileSync(path.join(dest, 'a/src/main.py'), 'utf8');
      const b = fs.readFileSync(path.join(dest, 'b/src/main.py'), 'utf8');
      expect(a).not.toEqual(b);
      expect(fs.existsSync(path.join(path.dirname(dest), '..', 'outside'))).toBe(false);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
      fs.rmSync(path.dirname(dest), { recursive: true, force: true });
    }
  });
});

describe('component versions', () => {
  const unavailable = oracleUnavailable();
  const pyTest = unavailable ? test.skip : test;
  const spec = {
    $schema: 'x',
    name: 'azureml_anonymous',
    version: '1',
    type: 'command',
    command: 'echo hi',
    _source: 'YAML.JOB',
  };
  const run = (version: string): ClientRun => ({
    ok: true,
    ms: 0,
    requests: [
      {
        kind: 'component',
        path: `components/azureml_anonymous/versions/${version}`,
        apiVersion: '2024-10-01',
        status: 201,
        body: { properties: { componentSpec: spec } },
      },
    ],
  });
  const result = (oracle: string, ours: string) =>
    ({ rel: 'a.yml', oracle: run(oracle), ours: run(ours) }) as unknown as FileResult;

  pyTest('are checked against azure-ai-ml hash_dict of the spec each side sent', async () => {
    const [right] = await sdkComponentVersions([{ $schema: 'x', type: 'command', command: 'echo hi' }]);
    expect(await checkComponentVersions([result(right, right)])).toEqual({ findings: [], notes: [], checked: 2 });
    const wrong = await checkComponentVersions([result(right, '00000000-0000-0000-0000-000000000000')]);
    expect(wrong.findings).toEqual([
      `a.yml: component components/azureml_anonymous/versions/00000000-0000-0000-0000-000000000000: version 00000000-0000-0000-0000-000000000000, azure-ai-ml's hash of the spec sent is ${right} (ours)`,
    ]);
  });
});
