import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../../shared/errors';
import { isoDuration, loadOnlineDeployment, loadOnlineEndpoint } from '../../shared/aml/endpoints/load';
import { parseTrafficSteps, trafficSteps } from '../../shared/aml/endpoints/traffic';
import { loadSmokeCases } from '../../shared/aml/smoke/cases';
import { checkContent, subsetDifference } from '../../shared/aml/smoke/check';
import { SHARED } from '../support/oracle';

/** az ml endpoint and deployment YAML to the REST shapes, canary traffic splits, smoke cases. */

const ONLINE = path.join(SHARED, 'corpus', 'azureml-examples', 'cli', 'endpoints', 'online');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-endpoints-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('expected an error');
}

test.each([
  [90_000, 'PT1M30S'],
  [1_500, 'PT1.5S'],
  [3_000, 'PT3S'],
  [3_600_000, 'PT1H'],
  [86_405_000, 'P1DT5S'],
  [3_661_000, 'PT1H1M1S'],
  [0, undefined],
])('isoDuration(%p) is %p as isodate writes it', (ms, iso) => {
  expect(isoDuration(ms)).toBe(iso);
});

test('the Kubernetes corpus files: compute, request settings, container resources, default scale', () => {
  const ep = loadOnlineEndpoint(path.join(ONLINE, 'kubernetes/kubernetes-endpoint.yml'), ONLINE);
  expect(ep).toMatchObject({
    name: 'my-endpoint',
    kind: 'Kubernetes',
    authMode: 'Key',
    compute: 'azureml:inferencecompute',
    tags: { tag1: 'endpoint-tag1-value' },
    identity: { type: 'SystemAssigned' },
  });
  const d = loadOnlineDeployment(path.join(ONLINE, 'kubernetes/kubernetes-blue-deployment.yml'), ONLINE);
  expect(d).toMatchObject({
    name: 'blue',
    kind: 'Kubernetes',
    instanceCount: 1,
    requestSettings: { requestTimeout: 'PT3S', maxQueueWait: 'PT3S' },
    containerResourceRequirements: {
      containerResourceRequests: { cpu: '0.1', memory: '0.1Gi' },
      containerResourceLimits: { cpu: '0.2', memory: '200Mi' },
    },
    scaleSettings: { scaleType: 'Default' },
    code: { local: true, scoringScript: 'score.py' },
    model: { kind: 'local', type: 'custom_model' },
    environment: { kind: 'inline', image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest' },
  });
  expect(d.code!.path).toBe(path.join(ONLINE, 'model-1', 'onlinescoring'));
});

test('every corpus online deployment and endpoint file loads or is refused with file:line', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/(deployment|endpoint)[^/]*\.ya?ml$/.test(e.name) && !/package/.test(e.name)) files.push(p);
    }
  };
  walk(ONLINE);
  expect(files.length).toBeGreaterThan(15);
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const isEndpoint = /OnlineEndpoint\.schema|endpoint\.ya?ml$/.test(text + file) && !/Deployment\.schema/.test(text);
    try {
      if (isEndpoint) loadOnlineEndpoint(file, ONLINE);
      else loadOnlineDeployment(file, ONLINE);
    } catch (err) {
      // Only clear refusals of what the step does not take, each at the file's own line.
      expect(errorMessage(err)).toMatch(new RegExp(`^${path.relative(ONLINE, file).replace(/[.]/g, '\\.')}:\\d+`));
    }
  }
});

test('mistakes in the YAML name the file and line', () => {
  const bad = write(
    'bad-deployment.yml',
    'name: blue\nendpoint_name: ep\nmodel: azureml:m:1\ninstance_type: Standard_DS3_v2\ninstance_cnt: 2\n',
  );
  expect(failure(() => loadOnlineDeployment(bad, tmp))).toMatch(
    /^bad-deployment\.yml:5:\d+: unknown field 'instance_cnt'/,
  );
  const auth = write('bad-endpoint.yml', 'name: ep\nauth_mode: password\n');
  expect(failure(() => loadOnlineEndpoint(auth, tmp))).toMatch(
    /^bad-endpoint\.yml:2:\d+: 'auth_mode' must be one of key/,
  );
  const broken = write('broken.yml', 'name: blue\n  model: [\n');
  expect(failure(() => loadOnlineDeployment(broken, tmp))).toMatch(/^broken\.yml:\d+/);
  const noType = write('no-type.yml', 'name: blue\nmodel: azureml:m:1\n');
  expect(failure(() => loadOnlineDeployment(noType, tmp))).toMatch(/no-type\.yml:1:\d+: missing 'instance_type'/);
});

test.each([
  [{ blue: 100 }, [10, 50, 100], [{ blue: 90, green: 10 }, { blue: 50, green: 50 }, { green: 100 }]],
  [{}, [10, 50, 100], [{ green: 100 }]],
  [{ blue: 70, red: 30 }, [10, 100], [{ blue: 63, red: 27, green: 10 }, { green: 100 }]],
  [{ blue: 50, red: 50 }, [25], [{ blue: 38, red: 37, green: 25 }]],
  // A re-run resumes: steps at or below the share it has are skipped.
  [{ blue: 50, green: 50 }, [10, 50, 100], [{ green: 100 }]],
  [{ green: 100 }, [10, 50, 100], []],
])('traffic steps from %j with %j', (previous, steps, expected) => {
  const out = trafficSteps(previous, 'green', steps);
  expect(out).toEqual(expected);
  for (const t of out) expect(Object.values(t).reduce((a, b) => a + b, 0)).toBe(100);
});

test('traffic-steps input: increasing whole percents', () => {
  expect(parseTrafficSteps('10, 50,100')).toEqual([10, 50, 100]);
  expect(parseTrafficSteps('50,10')).toMatch(/must increase/);
  expect(parseTrafficSteps('0,100')).toMatch(/from 1 to 100/);
  expect(parseTrafficSteps('ten')).toMatch(/from 1 to 100/);
});

test('smoke cases: files, inline JSON, expectations, and file:line errors', () => {
  write('request.json', '{"data": [1, 2, 3]}');
  const cases = loadSmokeCases(
    write(
      'cases.yml',
      [
        'cases:',
        '  - name: from-file',
        '    request: request.json',
        '    expect: {json: {sum: 6}, max_latency_ms: 2000}',
        '  - body: {"data": [1.5]}',
        '    headers: {x-tenant: ci}',
        '    expect: {status: 400, regex: "bad"}',
      ].join('\n'),
    ),
    tmp,
  );
  expect(cases).toEqual([
    expect.objectContaining({
      name: 'from-file',
      body: '{"data": [1, 2, 3]}',
      expect: { status: 200, json: { sum: 6 }, maxLatencyMs: 2000 },
      source: 'cases.yml:2',
    }),
    expect.objectContaining({
      name: 'case 2',
      body: '{"data":[1.5]}',
      headers: { 'x-tenant': 'ci' },
      expect: { status: 400, regex: 'bad' },
    }),
  ]);
  const json = loadSmokeCases(write('cases.json', '[{"request": "request.json"}]'), tmp);
  expect(json[0]).toMatchObject({ name: 'case 1', expect: { status: 200 } });
  expect(failure(() => loadSmokeCases(write('c1.yml', '- request: missing.json\n'), tmp))).toMatch(
    /c1\.yml:1:\d+: cannot read request file .*missing\.json: ENOENT/,
  );
  expect(failure(() => loadSmokeCases(write('c2.yml', '- body: {}\n  expect: {regex: "("}\n'), tmp))).toMatch(
    /c2\.yml:2:\d+: '\(' is not a valid regular expression/,
  );
  expect(failure(() => loadSmokeCases(write('c3.yml', '- body: {}\n  headers: {Authorization: x}\n'), tmp))).toMatch(
    /c3\.yml:2:\d+: do not put Authorization/,
  );
  expect(failure(() => loadSmokeCases(write('c4.yml', '- body: {}\n  expected: {}\n'), tmp))).toMatch(
    /c4\.yml:2:\d+: unknown field 'expected'/,
  );
});

test('JSON subset, regex and latency checks say what differs', () => {
  expect(subsetDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 2, c: 3 }], d: 4 }, '$', 0)).toBeUndefined();
  expect(subsetDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 5 }] }, '$', 0)).toBe('$.a[1].b is 5, expected 2');
  expect(subsetDifference([1.0], [1.0004], '$', 0.001)).toBeUndefined();
  expect(subsetDifference([1, 2], [1], '$', 0)).toBe('$ has 1 elements, expected 2');
  expect(subsetDifference({ x: 1 }, {}, '$', 0)).toBe('$.x is missing');
  expect(checkContent({ status: 200, regex: '^ok' }, 'not ok', 5)).toEqual(['the answer does not match /^ok/: not ok']);
  expect(checkContent({ status: 200, maxLatencyMs: 10 }, '', 25)).toEqual(['took 25 ms, more than max_latency_ms 10']);
  expect(checkContent({ status: 200, json: {} }, '<html>', 1)[0]).toMatch(/not JSON/);
});
