import type { Emulator } from '../../emulator';

/** A plain ARM call on the emulator's dev workspace, as a test's own view of what exists. Throws on >= 400. */
export async function armRequest<T = unknown>(
  emulator: Emulator,
  method: string,
  workspaceRelativePath: string,
  body?: unknown,
): Promise<T> {
  const { info } = emulator;
  const url =
    `${info.armEndpoint}subscriptions/${info.subscriptionId}/resourceGroups/${info.resourceGroup}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/dev${workspaceRelativePath}?api-version=2024-10-01`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${emulator.issueAccessToken()}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${workspaceRelativePath}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
