import * as path from 'node:path';
import { cleanEnv, nodeBinary, runNode, type ChildResult, type NodeChoice, type SpawnOptions } from './child';
import { freshBundles } from './fresh-bundles';

export interface CliRun extends ChildResult {
  /** stdout parsed as JSON when it is JSON (the outputs, or {error} with --json); else undefined. */
  json: unknown;
}

export interface CliRunOptions extends Pick<SpawnOptions, 'timeoutMs' | 'onSpawn'> {
  node?: NodeChoice;
  cwd?: string;
}

/** Runs `amlops <args>` from a fresh bundle, through bin/amlops.cjs as npx would. */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: CliRunOptions = {},
): Promise<CliRun> {
  const bundles = await freshBundles();
  const result = await runNode(nodeBinary(options.node), [path.join(bundles, 'bin', 'amlops.cjs'), ...args], {
    cwd: options.cwd,
    env: cleanEnv(env),
    timeoutMs: options.timeoutMs,
    onSpawn: options.onSpawn,
  });
  let json: unknown;
  try {
    json = result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { ...result, json };
}
