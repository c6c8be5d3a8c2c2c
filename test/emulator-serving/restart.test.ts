import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { startTestEmulator } from '../support/emulator';
import { folderWith, Online } from './helpers';

/** An emulator restarted on the same state serves the same endpoints, with the same keys. */

const emulators: Emulator[] = [];
let stateDir: string;

beforeAll(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-serving-restart-'));
});
afterAll(async () => {
  for (const e of emulators) await e.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function start(): Promise<Emulator> {
  const e = await startTestEmulator({ stateDir, onlineProvisioningMs: 100 });
  emulators.push(e);
  return e;
}

test('endpoints, deployments and keys survive a restart and serve again', async () => {
  const first = await start();
  const ws = new Online(first);
  const codeId = await ws.createCode(
    folderWith({ 'score.py': 'def init():\n    pass\n\ndef run(raw):\n    return {"echo": raw}\n' }),
    'echo',
  );
  const endpoint = await ws.createEndpoint('lasting');
  await ws.createDeployment('lasting', 'blue', ws.deploymentBody(codeId, undefined));
  await ws.setTraffic('lasting', { blue: 100 });
  const { primaryKey } = await ws.keys('lasting');
  ws.close();
  await first.stop();

  const second = await start();
  const again = new Online(second);
  const blue = await again.waitFor('/onlineEndpoints/lasting/deployments/blue', (s) => s === 'Succeeded');
  expect(blue.properties.provisioningState).toBe('Succeeded');
  // The scoring URI follows the new port; the replicas start again in the background after the restart.
  const uri = (await again.arm('GET', '/onlineEndpoints/lasting')).json.properties.scoringUri;
  expect(uri).toBe(endpoint.properties.scoringUri.replace(first.info.authorityHost, second.info.authorityHost));
  let res = await again.score(uri, 'x', { authorization: `Bearer ${primaryKey}` });
  for (let i = 0; i < 100 && res.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await again.score(uri, 'x', { authorization: `Bearer ${primaryKey}` });
  }
  expect([res.status, res.json, res.headers['azureml-model-deployment']]).toEqual([200, { echo: 'x' }, 'blue']);
  again.close();
});
