import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmulatorInfo } from '../../emulator';

/**
 * Microsoft's own client, azure-ai-ml (Debian's python3-azure), driven by
 * ../shared/tools/azure-ai-ml-oracle against an emulator: where it lives, whether it can run here,
 * and one invocation.
 */
export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');
export const ORACLE_DIR = path.join(SHARED, 'tools', 'azure-ai-ml-oracle');
export const PYTHON = '/usr/bin/python3';

/** Why the oracle cannot run on this machine, or undefined when it can. */
export function oracleUnavailable(): string | undefined {
  if (!fs.existsSync(path.join(ORACLE_DIR, 'oracle.py'))) return `${ORACLE_DIR}/oracle.py is missing`;
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import azure.ai.ml'], {
    env: { ...process.env, PYTHONPATH: ORACLE_DIR },
    encoding: 'utf8',
  });
  return probe.status === 0
    ? undefined
    : `${PYTHON} cannot import azure.ai.ml (install python3-azure and friends): ${probe.stderr.trim().split('\n').pop()}`;
}

export interface OracleRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface OracleOptions {
  workspace: string;
  token?: string;
  /** Where the SDK finds Azurite (it would build https://ACCOUNT.blob.core.windows.net). */
  blobUrl?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `oracle.py ... COMMAND ARGS` against the emulator. */
export function runOracle(info: EmulatorInfo, options: OracleOptions, ...args: string[]): Promise<OracleRun> {
  const argv = [
    path.join(ORACLE_DIR, 'oracle.py'),
    '--arm',
    info.armEndpoint.replace(/\/$/, ''),
    '--ca',
    info.caCertFile,
    '--subscription',
    info.subscriptionId,
    '--resource-group',
    info.resourceGroup,
    '--workspace',
    options.workspace,
    ...(options.token ? ['--token', options.token] : []),
    ...(options.blobUrl ? ['--blob-url', options.blobUrl] : []),
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      argv,
      { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
