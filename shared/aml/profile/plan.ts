import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { parseDocument } from 'yaml';
import { UserError } from '../../errors';
import type { Host } from '../../host';
import type { Inputs } from '../../inputs';
import { loadPriceTable, shippedPriceTable, type PriceTable } from './price-table';

export interface Payload {
  /** As the user would recognise it: relative to the working directory. */
  file: string;
  body: string;
}

export interface Candidate {
  instanceType: string;
  count: number;
  pricePerHour: number;
  vcpus?: number;
  memoryGb?: number;
}

export interface Goal {
  p95Ms: number;
  /** Undefined: no throughput goal. */
  rps?: number;
  /** Fraction, 0..1. */
  maxErrorRate: number;
}

export interface ProfileSettings {
  payloads: Payload[];
  candidates: Candidate[];
  goal: Goal;
  concurrency: number[];
  durationMs: number;
  warmUpMs: number;
  maxRequests: number;
  requestTimeoutMs: number;
  deploymentTimeoutMs: number;
  endpoint: string;
  prices: PriceTable;
  failIfNoneMeetsGoal: boolean;
  reportFile?: string;
}

/** The load and goal inputs, all parsed and checked before anything reaches Azure. */
export function readSettings(inputs: Inputs, host: Host): ProfileSettings {
  const priceFile = inputs.file('price-table');
  const prices = priceFile ? loadPriceTable(priceFile, host.cwd) : shippedPriceTable();
  const candidates = readCandidates(inputs, host, prices);
  const payloads = readPayloads(inputs, host);
  inputs.required('goal-p95-ms');
  const goal: Goal = {
    p95Ms: positive(inputs, 'goal-p95-ms')!,
    rps: positive(inputs, 'goal-rps'),
    maxErrorRate: inputs.number('max-error-rate', { min: 0, max: 100, integer: false })! / 100,
  };
  const concurrency = readConcurrency(inputs);
  const durationMs = inputs.duration('duration')!;
  if (durationMs < 1000) inputs.fail('duration', 'must be at least 1s');
  const warmUpMs = inputs.duration('warm-up') ?? 0;
  const maxRequests = inputs.number('max-requests', { min: 1 })!;
  const highest = concurrency[concurrency.length - 1];
  if (maxRequests < highest) {
    inputs.fail('max-requests', `must be at least the highest concurrency level (${highest}), got ${maxRequests}`);
  }
  const requestTimeoutMs = inputs.duration('request-timeout')!;
  if (requestTimeoutMs < 1000) inputs.fail('request-timeout', 'must be at least 1s');
  const endpoint = inputs.required('endpoint');
  if (!/^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$/.test(endpoint)) {
    inputs.fail(
      'endpoint',
      `'${endpoint}' is not a valid endpoint name: 3 to 32 letters, digits and '-', starting with a letter, not ending with '-'`,
    );
  }
  return {
    payloads,
    candidates,
    goal,
    concurrency,
    durationMs,
    warmUpMs,
    maxRequests,
    requestTimeoutMs,
    deploymentTimeoutMs: inputs.duration('deployment-timeout')!,
    endpoint,
    prices,
    failIfNoneMeetsGoal: inputs.boolean('fail-if-none-meets-goal') ?? true,
    reportFile: inputs.string('report-file') && path.resolve(host.cwd, inputs.string('report-file')!),
  };
}

function positive(inputs: Inputs, name: string): number | undefined {
  const n = inputs.number(name, { integer: false });
  if (n !== undefined && n <= 0) inputs.fail(name, `must be a positive number, got ${n}`);
  return n;
}

/** Lines or commas (not those inside a pattern's {a,b}), blank entries and `#` comments ignored. */
function items(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n|,(?![^{}]*\})/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
}

export function readCandidates(inputs: Inputs, host: Host, prices: PriceTable): Candidate[] {
  const out: Candidate[] = [];
  for (const item of items(inputs.required('candidates'))) {
    const m = /^([A-Za-z0-9_-]+)(?:\s*[:x*]\s*(\d+))?$/.exec(item);
    if (!m) {
      inputs.fail(
        'candidates',
        `has '${item}', which is not an instance type with an optional count`,
        'Write e.g. Standard_DS3_v2 or Standard_DS3_v2:2.',
      );
    }
    const info = prices.types.get(m[1].toLowerCase());
    if (!info) {
      const known = [...prices.types.values()].map((t) => t.name);
      inputs.fail(
        'candidates',
        `names '${m[1]}', an instance type not in the price table (${prices.source})`,
        `Known instance types: ${known.join(', ')}. For another one, give ${host.describeInput('price-table')} with its price.`,
      );
    }
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count < 1 || count > 100) inputs.fail('candidates', `has '${item}': the instance count must be 1 to 100`);
    if (out.some((c) => c.instanceType === info.name && c.count === count)) {
      inputs.fail('candidates', `lists ${info.name}:${count} twice`);
    }
    out.push({
      instanceType: info.name,
      count,
      pricePerHour: info.pricePerHour * count,
      vcpus: info.vcpus,
      memoryGb: info.memoryGb,
    });
  }
  if (out.length === 0) inputs.fail('candidates', 'lists no instance type');
  return out;
}

export function readPayloads(inputs: Inputs, host: Host): Payload[] {
  const patterns = items(inputs.required('payloads'));
  if (patterns.length === 0) inputs.fail('payloads', 'lists no file');
  const files: string[] = [];
  for (const pattern of patterns) {
    const isPattern = /[*?[\]{}]/.test(pattern);
    const matches = isPattern ? matchFiles(pattern, host.cwd) : [path.resolve(host.cwd, pattern)];
    if (matches.length === 0)
      inputs.fail(
        'payloads',
        `has the pattern '${pattern}', which matches no file`,
        `Patterns are relative to ${host.cwd}.`,
      );
    for (const file of matches) if (!files.includes(file)) files.push(file);
  }
  return files.map((file) => {
    const shown = path.relative(host.cwd, file) || file;
    let body: string;
    try {
      body = fs.readFileSync(file, 'utf8');
    } catch {
      throw new UserError(
        `${host.describeInput('payloads')} names a file that does not exist or cannot be read: ${shown}`,
        {
          hint: `Paths are relative to ${host.cwd}.`,
        },
      );
    }
    try {
      JSON.parse(body);
    } catch (err) {
      throw new UserError(`payload file is not valid JSON: ${jsonProblem(err)}`, {
        where: jsonWhere(shown, body, err),
      });
    }
    return { file: shown, body };
  });
}

/** file:line of a JSON.parse error: from its position when it gives one, else from the YAML parser's view. */
function jsonWhere(file: string, text: string, err: unknown): { file: string; line?: number; column?: number } {
  const m = /position (\d+)/.exec((err as Error).message ?? '');
  if (m) {
    const lines = text.slice(0, Number(m[1])).split('\n');
    return { file, line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
  const pos = parseDocument(text).errors[0]?.linePos?.[0];
  return pos ? { file, line: pos.line, column: pos.col } : { file };
}

/** JSON.parse's message without the quoted excerpt and offset (the location says where). */
function jsonProblem(err: unknown): string {
  return ((err as Error).message ?? String(err))
    .split('\n')[0]
    .replace(/, (\.\.\.)?"[\s\S]*$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/^Unexpected/, 'unexpected')
    .replace(/^Expected/, 'expected');
}

function readConcurrency(inputs: Inputs): number[] {
  const levels = items(inputs.string('concurrency')).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      inputs.fail('concurrency', `must list whole numbers from 1 to 1000, got '${s}'`);
    return n;
  });
  if (levels.length === 0) inputs.fail('concurrency', 'lists no level');
  for (let i = 1; i < levels.length; i++) {
    if (levels[i] <= levels[i - 1])
      inputs.fail('concurrency', `must increase, but ${levels[i]} follows ${levels[i - 1]}`);
  }
  return levels;
}

/** Files under the pattern's fixed base folder that match it (picomatch syntax: *, **, ?, [..], {a,b}). */
function matchFiles(pattern: string, cwd: string): string[] {
  const posix = pattern.replace(/\\/g, '/');
  const { base, glob } = picomatch.scan(posix);
  const root = path.resolve(cwd, base || '.');
  const isMatch = picomatch(glob, { dot: false });
  const found: string[] = [];
  const walk = (dir: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(path.join(dir, entry.name), relPath);
      } else if (isMatch(relPath)) {
        found.push(path.join(dir, entry.name));
      }
    }
  };
  walk(root, '');
  return found.sort();
}
