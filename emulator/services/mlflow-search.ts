import type { MlflowRun } from './mlflow-store';
import { MlflowError } from './mlflow-store';

/**
 * The subset of MLflow's search syntax clients use on runs: clauses joined by AND, each
 * `<entity>.<key> <op> <value>` over metrics, params, tags and attributes (status, run_name,
 * start_time, end_time, run_id), and `ORDER BY`-style sort keys such as `metrics.loss DESC`.
 */

type Entity = 'metric' | 'param' | 'tag' | 'attribute';
interface Clause {
  entity: Entity;
  key: string;
  op: string;
  value: string | number | string[];
}

const ENTITY: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const CLAUSE = /^\s*(?:([a-z]+)\.)?(`[^`]+`|"[^"]+"|[\w.-]+)\s*(=|!=|<>|>=|<=|>|<|ILIKE|LIKE|NOT\s+IN|IN)\s*(.+?)\s*$/i;

const unquote = (s: string): string => s.replace(/^[`"'](.*)[`"']$/s, '$1');

/** Splits a filter at the ANDs that are not inside quotes. */
function splitOnAnd(filter: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (/\s/.test(c)) {
      const m = /^\s+and\s+/i.exec(filter.slice(i));
      if (m) {
        parts.push(filter.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(filter.slice(start));
  return parts;
}

export function parseFilter(filter: string): Clause[] {
  if (!filter.trim()) return [];
  return splitOnAnd(filter)
    .filter((p) => p.trim())
    .map((part) => {
      const m = CLAUSE.exec(part);
      if (!m) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid filter clause '${part.trim()}'.`);
      const entity = m[1] ? ENTITY[m[1].toLowerCase()] : 'attribute';
      if (!entity) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid entity type '${m[1]}' in filter.`);
      const raw = m[4];
      const op = m[3].toUpperCase().replace(/\s+/g, ' ');
      let value: Clause['value'];
      if (op === 'IN' || op === 'NOT IN') {
        value = raw
          .replace(/^\(|\)$/g, '')
          .split(',')
          .map((v) => unquote(v.trim()));
      } else if (/^['"].*['"]$/s.test(raw)) value = unquote(raw);
      else if (raw.trim() !== '' && !Number.isNaN(Number(raw))) value = Number(raw);
      else
        throw new MlflowError(
          400,
          'INVALID_PARAMETER_VALUE',
          `Invalid value ${raw} in filter clause '${part.trim()}': quote strings, and join clauses with AND only.`,
        );
      return { entity, key: unquote(m[2]), op, value };
    });
}

function attribute(run: MlflowRun, status: string, key: string): string | number | undefined {
  switch (key.toLowerCase()) {
    case 'status':
      return status;
    case 'run_name':
    case 'runname':
      return run.runName;
    case 'run_id':
    case 'run_uuid':
      return run.id;
    case 'start_time':
      return run.startTime;
    case 'end_time':
      return run.endTime;
    case 'experiment_id':
      return run.experimentId;
    default:
      return undefined;
  }
}

function valueOf(run: MlflowRun, status: string, entity: Entity, key: string): string | number | undefined {
  if (entity === 'metric') return run.metrics[key]?.at(-1)?.value;
  if (entity === 'param') return run.params[key];
  if (entity === 'tag') return run.tags[key];
  return attribute(run, status, key);
}

function like(value: string, pattern: string, ignoreCase: boolean): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

function compare(have: string | number | undefined, op: string, want: Clause['value']): boolean {
  if (have === undefined) return op === '!=' || op === '<>' || op === 'NOT IN';
  if (Array.isArray(want)) return want.includes(String(have)) === (op === 'IN');
  const a = typeof want === 'number' ? Number(have) : String(have);
  switch (op) {
    case '=':
      return a === want;
    case '!=':
    case '<>':
      return a !== want;
    case '>':
      return a > want;
    case '>=':
      return a >= want;
    case '<':
      return a < want;
    case '<=':
      return a <= want;
    case 'LIKE':
      return like(String(have), String(want), false);
    case 'ILIKE':
      return like(String(have), String(want), true);
    default:
      return false;
  }
}

export function matchesFilter(run: MlflowRun, status: string, clauses: Clause[]): boolean {
  return clauses.every((c) => compare(valueOf(run, status, c.entity, c.key), c.op, c.value));
}

/** Sorts by the given keys (default: newest start time first), as MLflow's search does. */
export function sortRuns(runs: MlflowRun[], orderBy: string[]): MlflowRun[] {
  const keys = (orderBy.length ? orderBy : ['attributes.start_time DESC']).map((spec) => {
    const m = /^\s*(?:([a-z]+)\.)?(`[^`]+`|"[^"]+"|[\w.-]+)(?:\s+(ASC|DESC))?\s*$/i.exec(spec);
    if (!m) throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid order_by clause '${spec}'.`);
    const entity = m[1] ? ENTITY[m[1].toLowerCase()] : 'attribute';
    return { entity: entity ?? 'attribute', key: unquote(m[2]), desc: (m[3] ?? 'ASC').toUpperCase() === 'DESC' };
  });
  return [...runs].sort((x, y) => {
    for (const k of keys) {
      const a = valueOf(x, x.status, k.entity, k.key);
      const b = valueOf(y, y.status, k.entity, k.key);
      if (a === b) continue;
      // Runs without the value sort last, either way.
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const cmp = a < b ? -1 : 1;
      return k.desc ? -cmp : cmp;
    }
    return x.id.localeCompare(y.id);
  });
}
