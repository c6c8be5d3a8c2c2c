import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator, EmulatorOptions } from '../../emulator';
import { freePort, oracleToken } from '../jobs-diff/harness';
import { startTestEmulator } from './emulator';
import { runOracle } from './oracle';

/**
 * Comparing what azure-ai-ml sends with what one of our steps sends for the same file: each client
 * writes to its own workspace of one emulator (the oracle to dev, ours to prod), and the recorded
 * request bodies must match field by field except where a documented rule allows a difference.
 */

type Json = Record<string, unknown>;

/** What one side sends at a path: nothing (absent), exactly a value, a value matching a pattern, or anything. */
export interface ValueMatch {
  absent?: true;
  equals?: unknown;
  matches?: string;
}

export interface AllowedDifference {
  /** A flattened JSON path, or a prefix of one. */
  path: string;
  /** Which bodies the rule is for (endpoint, deployment, model...); every body when left out. */
  appliesTo?: string[];
  /** What azure-ai-ml sends there. */
  oracle: ValueMatch;
  /** What our step sends there. */
  ours: ValueMatch;
  reason: string;
}

/** The rules of allowed-differences.json in a test folder. */
export function loadAllowedDifferences(dir: string): AllowedDifference[] {
  return (
    JSON.parse(fs.readFileSync(path.join(dir, 'allowed-differences.json'), 'utf8')) as {
      rules: AllowedDifference[];
    }
  ).rules;
}

/** An emulator that accepts the oracle's static token as well as its own. */
export async function startOracleEmulator(
  options: Omit<Partial<EmulatorOptions>, 'port' | 'acceptStaticTokens'> = {},
): Promise<{ emulator: Emulator; token: string }> {
  const port = await freePort();
  const token = oracleToken(`https://127.0.0.1:${port}`);
  const emulator = await startTestEmulator({ port, acceptStaticTokens: [token], ...options });
  return { emulator, token };
}

/** `az ml <kind> create --file <file> [extra]` by azure-ai-ml into workspace dev; fails the test if it fails. */
export async function oracleCreate(
  emulator: Emulator,
  token: string,
  kind: string,
  file: string,
  extra: string[] = [],
  timeoutMs?: number,
): Promise<void> {
  const run = await runOracle(
    emulator.info,
    {
      workspace: 'dev',
      token,
      blobUrl: emulator.info.blobEndpoint,
      cwd: path.dirname(file),
      ...(timeoutMs ? { timeoutMs } : {}),
    },
    'create',
    kind,
    file,
    ...extra,
  );
  expect([run.code, run.code ? run.stderr.split('\n').slice(-14).join('\n') : '']).toEqual([0, '']);
}

/** The first PUT of a resource in a workspace (a step may send more, e.g. to set a default). */
export function firstPut(emulator: Emulator, ws: string, below: string): Json {
  const found = emulator.requests.find((r) => r.method === 'PUT' && r.path.endsWith(`/workspaces/${ws}/${below}`));
  if (!found) throw new Error(`no PUT of ${below} in ${ws}`);
  return found.body as Json;
}

function flatten(value: unknown, prefix = '', out: Json = {}): Json {
  // An empty map and an absent one ask for the same; both flatten to nothing.
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Json)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== null && value !== undefined) out[prefix] = value;
  return out;
}

/** Each client writes to its own workspace; ids differ only there. */
const normalize = (v: unknown): unknown =>
  typeof v === 'string' ? v.replace(/\/workspaces\/(dev|prod)\//i, '/workspaces/{ws}/') : v;

function matches(m: ValueMatch, v: unknown): boolean {
  if (m.absent) return v === undefined;
  if (v === undefined) return false;
  if ('equals' in m) return JSON.stringify(m.equals) === JSON.stringify(v);
  if (m.matches !== undefined) return new RegExp(m.matches).test(typeof v === 'string' ? v : JSON.stringify(v));
  return true;
}

/** Differences between azure-ai-ml's body and ours that no rule for this kind of body explains. */
export function unexplainedDifferences(rules: AllowedDifference[], kind: string, theirs: Json, mine: Json): string[] {
  const a = flatten(theirs);
  const b = flatten(mine);
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(normalize(a[key])) === JSON.stringify(normalize(b[key]))) continue;
    const rule = rules.find(
      (r) =>
        (r.appliesTo === undefined || r.appliesTo.includes(kind)) &&
        (key === r.path || key.startsWith(`${r.path}.`)) &&
        matches(r.oracle, a[key]) &&
        matches(r.ours, b[key]),
    );
    if (!rule) out.push(`${key}: azure-ai-ml ${JSON.stringify(a[key])}, ours ${JSON.stringify(b[key])}`);
  }
  return out;
}
