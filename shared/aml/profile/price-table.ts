import { YamlFile } from '../../yaml-file';
import shipped from './price-table.json';

export interface InstanceTypeInfo {
  /** Canonical spelling, as in the table. */
  name: string;
  pricePerHour: number;
  vcpus?: number;
  memoryGb?: number;
}

export interface PriceTable {
  currency: string;
  region?: string;
  asOf?: string;
  /** Where the prices come from, for the summary: the shipped table or the user's file. */
  source: string;
  /** Keyed by lower-case name: Azure treats instance type names case-insensitively. */
  types: Map<string, InstanceTypeInfo>;
}

export const SHIPPED_SOURCE = 'shipped list prices';

/** The table shipped with the step: approximate list prices at a date, for one region. */
export function shippedPriceTable(): PriceTable {
  return fromDocument(shipped as unknown, () => {
    throw new Error('the shipped price table is malformed');
  });
}

/**
 * A user's table in the shipped format (JSON or YAML), replacing the shipped one entirely: prices
 * of one region and contract should not be mixed with another's.
 * `instanceTypes` maps names to `{ pricePerHour, vcpus?, memoryGb? }` or to a bare price.
 */
export function loadPriceTable(file: string, cwd: string): PriceTable {
  const yaml = YamlFile.load(file, cwd);
  const table = fromDocument(yaml.toJS(), (keyPath, message) => {
    throw yaml.error(
      keyPath,
      message,
      'Expected: { "currency": "USD", "instanceTypes": { "<type>": <price per hour> } }',
    );
  });
  return { ...table, source: file };
}

function fromDocument(doc: unknown, fail: (keyPath: (string | number)[], message: string) => never): PriceTable {
  if (!isRecord(doc)) return fail([], 'must be a mapping with instanceTypes');
  const entries = doc.instanceTypes;
  if (!isRecord(entries) || Object.keys(entries).length === 0) {
    return fail(
      isRecord(entries) ? ['instanceTypes'] : [],
      'needs instanceTypes: a mapping of instance types to prices',
    );
  }
  const types = new Map<string, InstanceTypeInfo>();
  for (const [name, value] of Object.entries(entries)) {
    const info = isRecord(value) ? value : { pricePerHour: value };
    const price = info.pricePerHour;
    if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) {
      fail(
        ['instanceTypes', name, ...(isRecord(value) ? ['pricePerHour'] : [])],
        `price of ${name} must be a positive number`,
      );
    }
    for (const key of ['vcpus', 'memoryGb'] as const) {
      if (info[key] !== undefined && (typeof info[key] !== 'number' || (info[key] as number) <= 0)) {
        fail(['instanceTypes', name, key], `${key} of ${name} must be a positive number`);
      }
    }
    types.set(name.toLowerCase(), {
      name,
      pricePerHour: price as number,
      vcpus: info.vcpus as number | undefined,
      memoryGb: info.memoryGb as number | undefined,
    });
  }
  const text = (key: string) => {
    const v = doc[key];
    if (v !== undefined && typeof v !== 'string') fail([key], `${key} must be text`);
    return v as string | undefined;
  };
  return {
    currency: text('currency') ?? 'USD',
    region: text('region'),
    asOf: text('asOf'),
    source: SHIPPED_SOURCE,
    types,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function formatMoney(amount: number, currency: string): string {
  const digits = amount < 1 ? 3 : 2;
  return `${currency === 'USD' ? '$' : `${currency} `}${amount.toFixed(digits)}`;
}
