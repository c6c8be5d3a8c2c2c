import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeBody, computeNameProblem, isoDurationSeconds, specFromYaml } from '../../shared/aml/compute-spec';
import { errorMessage } from '../../shared/errors';
import { YamlFile } from '../../shared/yaml-file';

const corpus = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'shared',
  'corpus',
  'azureml-examples',
  'cli',
  'resources',
  'compute',
);
const parse = (text: string) => specFromYaml(YamlFile.parse(text, 'compute.yml'));
const failure = (text: string): string => {
  try {
    parse(text);
  } catch (err) {
    return errorMessage(err);
  }
  throw new Error('expected an error');
};

describe('compute YAML from the az ml corpus', () => {
  const files = fs.existsSync(corpus) ? fs.readdirSync(corpus) : [];
  it('finds the corpus', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const text = fs.readFileSync(path.join(corpus, file), 'utf8');
    const type = /^type:\s*(\S+)/m.exec(text)?.[1];
    if (type === 'amlcompute' || type === 'computeinstance') {
      it(`${file} becomes an ARM body`, () => {
        const spec = parse(text);
        const body = computeBody(spec, 'westeurope') as {
          properties: { computeType: string; properties: { vmSize: string } };
        };
        expect(body.properties.computeType).toBe(type === 'amlcompute' ? 'AmlCompute' : 'ComputeInstance');
        expect(body.properties.properties.vmSize).toMatch(/^STANDARD_DS3_v2$|^Standard_DS3_v2$/);
      });
    } else {
      it(`${file} (${type}) is refused as not supported yet, naming the line`, () => {
        expect(failure(text)).toMatch(new RegExp(`compute.yml:\\d+:\\d+: not supported yet: compute type '${type}'`));
      });
    }
  }
});

describe('compute body', () => {
  it('maps cluster fields to ARM names and units', () => {
    const spec = parse(`
name: gpu
type: amlcompute
size: Standard_NC6
tier: low_priority
min_instances: 1
max_instances: 8
idle_time_before_scale_down: 300
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /x/id1
network_settings:
  subnet: /x/subnet
ssh_public_access_enabled: false
tags: { team: vision }
`);
    expect(computeBody(spec, 'westeurope')).toEqual({
      location: 'westeurope',
      tags: { team: 'vision' },
      identity: { type: 'UserAssigned', userAssignedIdentities: { '/x/id1': {} } },
      properties: {
        computeType: 'AmlCompute',
        properties: {
          vmSize: 'Standard_NC6',
          vmPriority: 'LowPriority',
          scaleSettings: { minNodeCount: 1, maxNodeCount: 8, nodeIdleTimeBeforeScaleDown: 'PT300S' },
          subnet: { id: '/x/subnet' },
          remoteLoginPortPublicAccess: 'Disabled',
        },
      },
    });
  });

  it('fills az ml defaults for a minimal cluster and uses its own location when given', () => {
    const body = computeBody(parse('name: c1\ntype: amlcompute\nlocation: westus\n'), 'westeurope') as Record<
      string,
      any
    >;
    expect(body.location).toBe('westus');
    expect(body.properties.properties).toEqual({
      vmSize: 'Standard_DS3_v2',
      vmPriority: 'Dedicated',
      scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT120S' },
    });
  });

  it('maps compute instance schedules', () => {
    const body = computeBody(
      parse(`name: ci-1a
type: computeinstance
schedules:
  compute_start_stop:
    - action: stop
      trigger: { type: cron, start_time: "2021-03-10T21:21:07", time_zone: UTC, expression: "0 18 * * *" }
`),
      'westeurope',
    ) as Record<string, any>;
    expect(body.properties.properties.schedules.computeStartStop).toEqual([
      {
        action: 'Stop',
        status: 'Enabled',
        triggerType: 'Cron',
        cron: { startTime: '2021-03-10T21:21:07', timeZone: 'UTC', expression: '0 18 * * *' },
      },
    ]);
  });
});

describe('bad compute YAML gets one message with file:line', () => {
  test.each([
    ['name: c1\ntype: amlcompute\nmax_instances: many\n', /compute.yml:3:\d+: 'max_instances' must be a whole number/],
    ['name: c1\ntype: amlcompute\nsize_typo: x\n', /compute.yml:3:\d+: unknown field 'size_typo' for a amlcompute/],
    ['name: c1\ntype: amlcompute\ntier: spot\n', /compute.yml:3:\d+: 'tier' must be dedicated or low_priority/],
    ['name: c1\ntype: gpu\n', /compute.yml:2:\d+: unknown compute type 'gpu'/],
    ['name: c1\n', /compute.yml:1:1: missing 'type'/],
    ['name: c1\ntype: amlcompute\n  bad: indent\n', /compute.yml:2:\d+: invalid YAML: Nested mappings/],
    [
      'name: c1\ntype: amlcompute\nidentity:\n  type: user_assigned\n',
      /compute.yml:4:\d+: identity type user_assigned needs/,
    ],
  ])('%j', (text, expected) => {
    expect(failure(text)).toMatch(expected);
  });
});

describe('compute names follow Azure ML rules', () => {
  test.each([
    ['cpu-cluster', 'amlcompute', undefined],
    ['c', 'amlcompute', /2 to 16/],
    ['a-very-long-cluster-name', 'amlcompute', /2 to 16/],
    ['1cluster', 'amlcompute', /start with a letter/],
    ['cpu_cluster', 'amlcompute', /letters, digits and hyphens/],
    ['cpu-cluster-1', 'computeinstance', /hyphen followed only by digits/],
    ['minimal-example-i', 'computeinstance', undefined],
  ] as const)('%s (%s)', (name, type, problem) => {
    const result = computeNameProblem(name, type);
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });
});

test('ISO 8601 durations', () => {
  expect(isoDurationSeconds('PT120S')).toBe(120);
  expect(isoDurationSeconds('PT2M')).toBe(120);
  expect(isoDurationSeconds('PT1H30M')).toBe(5400);
  expect(isoDurationSeconds('soon')).toBeUndefined();
});
