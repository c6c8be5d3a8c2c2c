import * as fs from 'node:fs';
import * as path from 'node:path';
import autocannon from 'autocannon';
import type { Emulator } from '../../emulator';
import { armUrl } from '../models/support';

/** A project folder with scoring scripts, a model, endpoint and deployment YAML, and smoke cases. */
export function writeProject(dir: string): void {
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const score = (version: string, run: string, init = '') =>
    [
      'import json, os',
      'model = None',
      'def init():',
      '    global model',
      init || '    model = open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.txt")).read().strip()',
      'def run(raw):',
      '    data = json.loads(raw)',
      run || `    return {"ok": True, "version": "${version}", "model": model, "sum": sum(data.get("data", []))}`,
      '',
    ].join('\n');
  write('src/v1/score.py', score('v1', ''));
  write('src/v2/score.py', score('v2', ''));
  write('src/bad-run/score.py', score('bad', '    raise ValueError("run() is broken: column price missing")'));
  write(
    'src/bad-init/score.py',
    score('bad', '', '    raise RuntimeError("cannot load the model: weights are corrupt")'),
  );
  write(
    'src/degrades/score.py',
    score(
      'degrades',
      [
        '    global calls',
        '    calls = globals().get("calls", 0) + 1',
        '    if calls > 2:',
        '        raise MemoryError("leaks memory after a few requests")',
        '    return {"ok": True, "sum": sum(data.get("data", []))}',
      ].join('\n'),
    ),
  );
  write('model/weights.txt', 'w-42\n');
  write(
    'endpoint.yml',
    '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: churn\nauth_mode: key\n',
  );
  const deployment = (name: string, code: string) =>
    write(
      `${name}.yml`,
      [
        '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
        `name: ${name}`,
        'endpoint_name: churn',
        'model:',
        '  path: model',
        'code_configuration:',
        `  code: src/${code}`,
        '  scoring_script: score.py',
        'environment:',
        '  image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest',
        'instance_type: Standard_DS2_v2',
        'instance_count: 1',
        '',
      ].join('\n'),
    );
  deployment('blue', 'v1');
  deployment('green', 'v2');
  deployment('bad-run', 'bad-run');
  deployment('bad-init', 'bad-init');
  deployment('degrades', 'degrades');
  write(
    'smoke.yml',
    [
      'cases:',
      '  - name: sums',
      '    body: {"data": [1, 2, 3]}',
      '    expect:',
      '      json: {ok: true, sum: 6}',
      '      max_latency_ms: 5000',
      '',
    ].join('\n'),
  );
}

export interface LoadRun {
  stop(): Promise<{ requests: number; non2xx: number; errors: number; statusCodes: Record<string, number> }>;
}

/** Live traffic: autocannon POSTs to the endpoint (no deployment header) until stopped. */
export function startLoad(scoringUri: string, key: string, connections = 4): LoadRun {
  const instance = autocannon(
    {
      url: scoringUri,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: [1, 2, 3] }),
      connections,
      duration: 600,
      timeout: 10,
    },
    () => undefined,
  );
  const finished = new Promise<autocannon.Result>((resolve) => instance.once('done', resolve));
  return {
    async stop() {
      instance.stop();
      const r = await finished;
      const statusCodes: Record<string, number> = {};
      for (const [code, stats] of Object.entries(r.statusCodeStats ?? {})) {
        statusCodes[code] = (stats as { count: number }).count;
      }
      const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
      return { requests, non2xx: r.non2xx, errors: r.errors, statusCodes };
    },
  };
}

/** The endpoint as ARM has it now. */
export async function endpointNow(emulator: Emulator, workspace: string, endpoint: string): Promise<any> {
  const res = await fetch(armUrl(emulator, `workspaces/${workspace}/onlineEndpoints/${endpoint}`), {
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}` },
  });
  return res.status === 200 ? res.json() : undefined;
}

export async function deploymentNow(emulator: Emulator, workspace: string, endpoint: string, d: string): Promise<any> {
  const res = await fetch(armUrl(emulator, `workspaces/${workspace}/onlineEndpoints/${endpoint}/deployments/${d}`), {
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}` },
  });
  return res.status === 200 ? res.json() : undefined;
}

export async function listKeys(emulator: Emulator, workspace: string, endpoint: string): Promise<string> {
  const res = await fetch(armUrl(emulator, `workspaces/${workspace}/onlineEndpoints/${endpoint}/listKeys`), {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}` },
  });
  return ((await res.json()) as { primaryKey: string }).primaryKey;
}
