import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profile } from '../../shared/declarations/profile';
import { errorMessage } from '../../shared/errors';
import { Inputs } from '../../shared/inputs';
import { readSettings } from '../../shared/aml/profile/plan';
import { RecordingHost } from '../support/recording-host';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-profile-settings-'));
  fs.mkdirSync(path.join(dir, 'payloads'));
  fs.writeFileSync(path.join(dir, 'payloads', 'a.json'), '{"data": [[1, 2, 3]]}');
  fs.writeFileSync(path.join(dir, 'payloads', 'b.json'), '{"data": [[4, 5, 6]]}');
  fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  "data": [1, 2,\n}\n');
  fs.writeFileSync(
    path.join(dir, 'prices.yml'),
    'currency: EUR\ninstanceTypes:\n  Standard_DS2_v2: 0.13\n  my-aks-type: 0.5\n',
  );
  fs.writeFileSync(path.join(dir, 'bad-prices.yml'), 'instanceTypes:\n  Standard_DS2_v2: -1\n');
});

const base = {
  payloads: 'payloads/*.json',
  candidates: 'Standard_DS2_v2, Standard_DS3_v2:2',
  'goal-p95-ms': '250',
  endpoint: 'prof-test',
};

const settings = (inputs: Record<string, string>) => {
  const host = new RecordingHost(inputs, {}, dir);
  return readSettings(new Inputs(profile, host), host);
};
const failure = (inputs: Record<string, string>) => {
  try {
    settings(inputs);
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('no error');
};

test('reads payload globs, candidates with counts and prices, goal and load settings', () => {
  const s = settings({ ...base, 'goal-rps': '20', 'max-error-rate': '0.5', concurrency: '1, 4, 16', duration: '20s' });
  expect(s.payloads.map((p) => p.file)).toEqual([path.join('payloads', 'a.json'), path.join('payloads', 'b.json')]);
  expect(s.payloads[0].body).toBe('{"data": [[1, 2, 3]]}');
  expect(s.candidates).toEqual([
    { instanceType: 'Standard_DS2_v2', count: 1, pricePerHour: 0.146, vcpus: 2, memoryGb: 7 },
    { instanceType: 'Standard_DS3_v2', count: 2, pricePerHour: 0.586, vcpus: 4, memoryGb: 14 },
  ]);
  expect(s.goal).toEqual({ p95Ms: 250, rps: 20, maxErrorRate: 0.005 });
  expect(s.concurrency).toEqual([1, 4, 16]);
  expect(s.durationMs).toBe(20_000);
  expect(s.warmUpMs).toBe(10_000);
  expect(s.prices.source).toBe('shipped list prices');
});

test('payload patterns: ** and braces, duplicates once', () => {
  const files = (payloads: string) => settings({ ...base, payloads }).payloads.map((p) => p.file);
  expect(files('**/b.json')).toEqual([path.join('payloads', 'b.json')]);
  expect(files('payloads/{b,a}.json, payloads/a.json')).toEqual([
    path.join('payloads', 'a.json'),
    path.join('payloads', 'b.json'),
  ]);
});

test('instance type names are matched ignoring case, as Azure does', () => {
  expect(settings({ ...base, candidates: 'standard_ds2_v2' }).candidates[0].instanceType).toBe('Standard_DS2_v2');
});

test('a price table file replaces the shipped one', () => {
  const s = settings({ ...base, candidates: 'my-aks-type:3\nStandard_DS2_v2', 'price-table': 'prices.yml' });
  expect(s.prices.currency).toBe('EUR');
  expect(s.candidates.map((c) => [c.instanceType, c.pricePerHour])).toEqual([
    ['my-aks-type', 1.5],
    ['Standard_DS2_v2', 0.13],
  ]);
  expect(failure({ ...base, 'price-table': 'prices.yml' })).toMatch(
    /'Standard_DS3_v2', an instance type not in the price table/,
  );
});

test.each([
  [
    { payloads: 'payloads/a.json\nmissing.json' },
    /--payloads names a file that does not exist or cannot be read: missing\.json/,
  ],
  [{ payloads: 'nothing/*.json' }, /--payloads has the pattern 'nothing\/\*\.json', which matches no file/],
  [{ payloads: 'broken.json' }, /^broken\.json:3:1: payload file is not valid JSON: unexpected token '}'$/],
  [
    { candidates: 'Standard_DS2_v2, Standard_XYZ_v9' },
    /--candidates names 'Standard_XYZ_v9', an instance type not in the price table[\s\S]*Known instance types: Standard_DS1_v2/,
  ],
  [{ candidates: 'Standard_DS2_v2:0' }, /the instance count must be 1 to 100/],
  [
    { candidates: 'Standard_DS2_v2 Standard_DS3_v2' },
    /--candidates has 'Standard_DS2_v2 Standard_DS3_v2', which is not an instance type/,
  ],
  [{ candidates: 'Standard_DS2_v2, standard_ds2_v2:1' }, /lists Standard_DS2_v2:1 twice/],
  [{ 'goal-p95-ms': '-5' }, /--goal-p95-ms must be a positive number, got -5/],
  [{ 'goal-rps': '0' }, /--goal-rps must be a positive number, got 0/],
  [{ 'max-error-rate': '-1' }, /--max-error-rate must be at least 0/],
  [{ concurrency: '4,1' }, /--concurrency must increase, but 1 follows 4/],
  [{ concurrency: '1,x' }, /--concurrency must list whole numbers from 1 to 1000, got 'x'/],
  [
    { 'max-requests': '8', concurrency: '1,16' },
    /--max-requests must be at least the highest concurrency level \(16\)/,
  ],
  [{ endpoint: 'bad_name' }, /--endpoint 'bad_name' is not a valid endpoint name/],
  [{ 'price-table': 'bad-prices.yml' }, /^bad-prices\.yml:2:\d+: price of Standard_DS2_v2 must be a positive number/],
  [{ 'goal-p95-ms': '' }, /--goal-p95-ms is required/],
])('%o gives one clear error', (override, message) => {
  expect(failure({ ...base, ...override })).toMatch(message);
});

test('input names are unique (the shared connection inputs included)', () => {
  const names = profile.inputs.map((i) => i.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
});
