import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { armPut, armUrl } from '../models/support';

/** Set-up the batch tests share: project files, the compute cluster a deployment runs on, raw ARM calls. */

/** Writes a file below `dir`, making the folders it needs. */
export function fileWriter(dir: string): (rel: string, text: string) => void {
  return (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
}

/** A CPU cluster in the workspace, the compute a batch deployment names. */
export async function createBatchCluster(
  emulator: Emulator,
  name: string,
  options: { workspace?: string; maxNodeCount?: number } = {},
): Promise<void> {
  const status = await armPut(emulator, `workspaces/${options.workspace ?? 'dev'}/computes/${name}`, {
    location: emulator.info.location,
    properties: {
      computeType: 'AmlCompute',
      properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: options.maxNodeCount ?? 1 } },
    },
  });
  expect(status).toBeLessThan(300);
}

/** A request below a workspace (`batchEndpoints/x`), answered status and JSON body. */
export async function workspaceArm(
  emulator: Emulator,
  workspace: string,
  method: string,
  below: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(armUrl(emulator, `workspaces/${workspace}/${below}`), {
    method,
    headers: {
      authorization: `Bearer ${emulator.issueAccessToken()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
