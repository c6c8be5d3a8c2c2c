import type { Format } from 'ajv';

/**
 * Swagger / Azure `format` values. Only formats whose meaning is unambiguous on the wire are checked
 * (date-time, date, duration, uuid, integer widths); the others (uri, arm-id, password, byte, ...)
 * are annotations the service itself does not enforce uniformly, so any string passes.
 */

// RFC 3339 date-time; ARM services also emit times without an offset, and 7 fractional digits (.NET).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// ISO 8601 duration: PnYnMnWnDTnHnMnS, at least one component, fractions allowed, optional sign.
const DURATION =
  /^[-+]?P(?=\d|T\d)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function validDateParts(s: string): boolean {
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

export const checkedFormats: Record<string, Format> = {
  'date-time': { type: 'string', validate: (s: string) => DATE_TIME.test(s) && validDateParts(s) },
  date: { type: 'string', validate: (s: string) => DATE.test(s) && validDateParts(s) },
  duration: { type: 'string', validate: (s: string) => DURATION.test(s) },
  uuid: { type: 'string', validate: (s: string) => UUID.test(s) },
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
};

/** Known Swagger/Azure formats accepted without a check (documented annotations). */
export const lenientFormats = [
  'uri',
  'url',
  'uri-reference',
  'arm-id',
  'password',
  'byte',
  'binary',
  'file',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'float',
  'double',
  'decimal',
  'unixtime',
  'date-time-rfc1123',
  'base64url',
  'char',
];

export function formatsFor(used: Iterable<string>): Record<string, Format> {
  const formats: Record<string, Format> = { ...checkedFormats };
  for (const name of [...lenientFormats, ...used]) {
    if (!(name in formats)) formats[name] = true;
  }
  return formats;
}
