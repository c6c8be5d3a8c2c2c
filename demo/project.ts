import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmulatorInfo } from '../emulator';

/** Names the demo reads from the scaffolded project's .cloud files. */
export interface ProjectFacts {
  dir: string;
  model: string;
  devEndpoint: string;
  prodEndpoint: string;
  smokeCases: string;
}

/**
 * Points a project written by `amlops init` at the emulator: what a team does once, by filling in
 * .cloud/dev.yml and .cloud/prod.yml with its workspaces (init --registry named the registry).
 */
export function pointProjectAtEmulator(dir: string, info: EmulatorInfo): ProjectFacts {
  for (const env of ['dev', 'prod']) {
    fs.writeFileSync(
      path.join(dir, '.cloud', `${env}.yml`),
      [
        `# The ${env} workspace (here: the local emulator's).`,
        `subscription_id: ${info.subscriptionId}`,
        `resource_group: ${info.resourceGroup}`,
        `workspace_name: ${env}`,
        'cloud: Custom',
        `arm_endpoint: ${info.armEndpoint}`,
        `authority_host: ${info.authorityHost}`,
        '',
      ].join('\n'),
    );
  }
  const nameIn = (rel: string, key: string): string => {
    const text = fs.readFileSync(path.join(dir, rel), 'utf8');
    const m = new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(text);
    if (!m) throw new Error(`${rel} names no ${key}: the project amlops init wrote is not what the demo expects`);
    return m[1];
  };
  return {
    dir,
    model: nameIn('.cloud/model.yml', 'name'),
    devEndpoint: nameIn('.cloud/dev/endpoint.yml', 'name'),
    prodEndpoint: nameIn('.cloud/prod/endpoint.yml', 'name'),
    smokeCases: addSmokeCases(dir),
  };
}

/**
 * The project's smoke cases (`.cloud/smoke-cases.yml`, which the templates pass to deploy-online and
 * smoke-test) get 20 single-row requests with known answers added, so every check sends enough
 * requests for the report's latency chart.
 */
function addSmokeCases(dir: string): string {
  const rel = '.cloud/smoke-cases.yml';
  const file = path.join(dir, rel);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const firstItem = existing.split('\n').find((l) => l.trim() && !l.trim().startsWith('#'));
  if (firstItem !== undefined && !firstItem.startsWith('- ')) return rel; // a `cases:` mapping: leave it as written
  const points: [number, number, number][] = [
    [3.5, 1.8, 1],
    [0.1, 0.1, 0],
    [3.9, 0.3, 1],
    [0.2, 0.4, 0],
    [2.7, 1.2, 1],
  ];
  const cases: string[] = ['# Added by the amlops demo: single rows with known labels, for a latency sample.'];
  for (let i = 0; i < 20; i++) {
    const [x1, x2, label] = points[i % points.length];
    cases.push(
      `- name: demo row ${i + 1}`,
      `  body: {"data": [[${x1}, ${x2}]]}`,
      '  expect:',
      '    status: 200',
      `    json: [{"label": ${label}}]`,
      '    max_latency_ms: 5000',
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}${cases.join('\n')}\n`);
  return rel;
}
