import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { SourceLocation } from '../../host';
import { Fields } from '../jobs/fields';
import { PyFloat, type PyValue } from '../jobs/python-compat';
import { isPyMap, YamlSource } from '../jobs/yaml-source';
import type { SmokeCase, SmokeExpectation } from './types';

/**
 * Smoke cases from a YAML or JSON file: a list of cases, or a mapping with `cases:`. Each case:
 *
 *   - name: iris                    # optional; "case N" otherwise
 *     request: sample-request.json  # body from a file (relative to this file), or
 *     body: {"data": [[1, 2, 3]]}   # inline JSON (a string is sent as it is)
 *     content_type: application/json
 *     headers: {x-tenant: ci}
 *     input: data/sample            # batch endpoints: the invocation input
 *     expect:
 *       status: 200                 # default 200
 *       json: [11055.9]             # a subset of the JSON answer
 *       regex: '^\['                # the answer matches
 *       max_latency_ms: 2000
 *       tolerance: 0.001            # numbers in `json` may differ by this much
 */
export function loadSmokeCases(file: string, cwd: string): SmokeCase[] {
  const src = YamlSource.load(file, cwd);
  let list: PyValue | undefined = src.data;
  let at: (string | number)[] = [];
  if (isPyMap(src.data)) {
    Fields.of(src, [], 'smoke cases file').allowOnly(['$schema', 'cases']);
    list = src.data.cases;
    at = ['cases'];
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw src.error(at, 'a smoke cases file must hold a non-empty list of cases (or `cases:` with one)');
  }
  const names = new Set<string>();
  return list.map((item, i) => {
    const f = Fields.of(src, [...at, i], `smoke case ${i + 1}`, item).allowOnly([
      'name',
      'request',
      'body',
      'content_type',
      'headers',
      'input',
      'expect',
    ]);
    const name = f.str('name') ?? `case ${i + 1}`;
    if (names.has(name)) throw f.error('name', `two smoke cases are named '${name}'`);
    names.add(name);
    const where = src.locate([...at, i]);
    const source = `${where.file}:${where.line ?? 0}`;
    if (f.has('request') && f.has('body')) throw f.error('body', "give 'request' (a file) or 'body', not both");
    let body: string | undefined;
    const request = f.str('request');
    if (request !== undefined) body = readBodyFile(src.resolvePath(request), f.src.locate(f.path('request')));
    else if (f.has('body')) {
      const raw = f.raw('body')!;
      body = typeof raw === 'string' ? raw : JSON.stringify(toJson(raw));
    }
    const input = f.str('input');
    const headers = f.stringMap('headers');
    checkHeaders(headers, (m) => f.error('headers', m));
    const e = f.sub('expect', "'expect'")?.allowOnly(['status', 'json', 'regex', 'max_latency_ms', 'tolerance']);
    const expect: SmokeExpectation = { status: e?.num('status', { integer: true, min: 100 }) ?? 200 };
    if (e?.has('json')) expect.json = toJson(e.raw('json')!);
    const regex = e?.str('regex');
    if (regex !== undefined) {
      checkRegex(regex, (m) => e!.error('regex', m));
      expect.regex = regex;
    }
    const latency = e?.num('max_latency_ms', { min: 1 });
    if (latency !== undefined) expect.maxLatencyMs = latency;
    const tolerance = e?.num('tolerance', { min: 0 });
    if (tolerance !== undefined) expect.tolerance = tolerance;
    return {
      name,
      source,
      body,
      contentType: f.str('content_type'),
      input: input === undefined ? undefined : resolveInput(src.dir, input),
      headers,
      expect,
    };
  });
}

/** Local inputs are relative to the cases file; URIs stay as they are. */
function resolveInput(dir: string, input: string): string {
  return /^(azureml:|https?:|wasbs?:|abfss?:)/i.test(input) ? input : path.resolve(dir, input);
}

export function readBodyFile(file: string, where: SourceLocation | string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read request file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      where,
    });
  }
}

export function checkRegex(regex: string, fail: (message: string) => Error): void {
  try {
    new RegExp(regex);
  } catch (err) {
    throw fail(`'${regex}' is not a valid regular expression: ${(err as Error).message}`);
  }
}

function checkHeaders(headers: Record<string, string>, fail: (message: string) => Error): void {
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === 'authorization') {
      throw fail('do not put Authorization in a smoke case: the step signs requests with the endpoint key or token');
    }
  }
}

export function toJson(v: PyValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toJson);
  if (isPyMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}
