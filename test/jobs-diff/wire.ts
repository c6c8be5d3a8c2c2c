import { createHash } from 'node:crypto';
import type { RequestLogEntry } from '../../emulator';

/**
 * The wire side of the differential: which recorded requests count, how generated names are put
 * aside, and a field-by-field comparison whose differences are JSON paths.
 */

export type RequestKind = 'code' | 'environment' | 'component' | 'data' | 'model' | 'job';

/** One PUT as recorded by the emulator, reduced to what is compared. */
export interface WireRequest {
  kind: RequestKind;
  /** Path below the workspace, e.g. environments/CliV2AnonymousEnvironment/versions/abc. */
  path: string;
  apiVersion: string;
  body: unknown;
  /** The emulator's answer (not compared; a rejected PUT is reported). */
  status: number;
}

const WORKSPACE_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\/(.*)$/i;

const KIND_OF: [RegExp, RequestKind][] = [
  [/^codes\/[^/]+\/versions\/[^/]+$/i, 'code'],
  [/^environments\/[^/]+\/versions\/[^/]+$/i, 'environment'],
  [/^components\/[^/]+\/versions\/[^/]+$/i, 'component'],
  [/^data\/[^/]+\/versions\/[^/]+$/i, 'data'],
  [/^models\/[^/]+\/versions\/[^/]+$/i, 'model'],
  [/^jobs\/[^/]+$/i, 'job'],
];

/** The asset and job PUTs a client sent to one workspace, in the order they arrived. */
export function assetAndJobPuts(log: readonly RequestLogEntry[], workspace: string): WireRequest[] {
  const out: WireRequest[] = [];
  for (const r of log) {
    if (r.method !== 'PUT') continue;
    const m = WORKSPACE_PATH.exec(r.path);
    if (!m || m[1] !== workspace) continue;
    const below = m[2];
    const kind = KIND_OF.find(([re]) => re.test(below))?.[1];
    if (kind) out.push({ kind, path: below, apiVersion: r.query['api-version'] ?? '', body: r.body, status: r.status });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// normalisation

/** Values that differ between two runs for reasons that are not translation: replaced by tokens. */
export interface Substitutions {
  /** Exact strings (longest first when applied) and their tokens. */
  readonly pairs: [string, string][];
}

export function substitute(value: unknown, subs: Substitutions): unknown {
  const pairs = [...subs.pairs].filter(([raw]) => raw).sort((a, b) => b[0].length - a[0].length);
  const text = (s: string): string => pairs.reduce((t, [raw, token]) => t.split(raw).join(token), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [text(k), walk(x)]));
    }
    return v;
  };
  return walk(value);
}

/** The asset version a request names: `<kind>/<name>/versions/<version>` -> name and version. */
export function assetNameVersion(p: string): { name: string; version: string } | undefined {
  const m = /^[a-z]+\/([^/]+)\/versions\/([^/]+)$/i.exec(p);
  return m ? { name: decodeURIComponent(m[1]), version: decodeURIComponent(m[2]) } : undefined;
}

export interface Side {
  requests: WireRequest[];
  /** The job name this client was given. */
  jobName: string;
}

/** A matched pair (or a request only one side sent), after normalisation. */
export interface Paired {
  kind: RequestKind;
  /** A readable name for reports: the normalised path. */
  label: string;
  oracle?: WireRequest;
  ours?: WireRequest;
}

const body = (r: WireRequest): Record<string, unknown> =>
  r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {};
const props = (r: WireRequest): Record<string, unknown> => {
  const p = body(r).properties;
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
};

/** Where a code upload's blobs went (identical for identical content: LocalUpload/<object hash>/<folder>). */
const codeKey = (r: WireRequest): string => String(props(r).codeUri ?? '').replace(/^.*?(LocalUpload\/)/, '$1');

/**
 * azure-ai-ml 1.4 gives a component without code a generated one-file code asset (a file named
 * COMPONENT_PLACEHOLDER holding 'command_component: code_placeholder'); later releases send no code
 * and let the service cope. Such uploads are recognised by their content hash (az ml's: sha256 of
 * the file count, '#<path>#<size>' and the bytes) and get their own token so a rule can name them.
 */
const PLACEHOLDER_CODE_HASH = (() => {
  const bytes = Buffer.from('command_component: code_placeholder');
  return createHash('sha256').update('1').update(`#COMPONENT_PLACEHOLDER#${bytes.length}`).update(bytes).digest('hex');
})();
const isPlaceholderCode = (r: WireRequest): boolean => {
  const p = props(r).properties as Record<string, unknown> | undefined;
  return p?.hash_sha256 === PLACEHOLDER_CODE_HASH;
};

const specOf = (r: WireRequest): Record<string, unknown> | undefined => {
  const spec = props(r).componentSpec;
  return spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : undefined;
};

/** What identifies an anonymous component across clients once code names are tokens. */
function componentKey(r: WireRequest, subs: Substitutions): string {
  const spec = specOf(r);
  if (!spec) return r.path;
  const { version: _v, ...rest } = substitute(spec, subs) as Record<string, unknown>;
  if (typeof rest.code === 'string' && rest.code.includes('{placeholder-code#')) delete rest.code;
  return JSON.stringify(sortKeys(rest));
}

export interface Normalised {
  pairs: Paired[];
  /** Tokens used, for reports: token -> [oracle value, our value]. */
  tokens: Record<string, [string, string]>;
}

/**
 * Pairs the two clients' requests and replaces what is legitimately random or run-specific with the
 * same token on both sides:
 * - the job names (and so default display names) given to each client;
 * - code asset names: az ml names anonymous code with a random uuid, submit-job by content; uploads
 *   are paired by where their blobs went (same content and folder, same LocalUpload path);
 * - versions of anonymous components whose spec points at such a code asset (the version is a hash
 *   over the spec, code id included), paired by their spec with code names as tokens. Components
 *   without uploaded code keep their versions: those must be equal;
 * - workspace ids and endpoint URLs become `{ws}`, `{arm}`, `{blob}`. The oracle's storage URLs lack
 *   Azurite's account segment (its --blob-url patch gives the SDK the account URL, but codeUri is
 *   built from the host and container, as for ACCOUNT.blob.core.windows.net).
 * A request a client sends more than once with the same normalised body counts once: az ml
 * registers the same environment or code upload again for every step that uses it.
 */
export function normalise(
  oracle: Side,
  ours: Side,
  env: { workspaceId: string; armBase: string; blobEndpoint: string },
): Normalised {
  const common: [string, string][] = [
    [env.workspaceId, '{ws}'],
    [env.armBase.replace(/\/$/, ''), '{arm}'],
  ];
  if (env.blobEndpoint) {
    const blob = env.blobEndpoint.replace(/\/$/, '');
    common.push([blob, '{blob}'], [new URL(blob).origin, '{blob}']);
  }
  const o: [string, string][] = [...common, [oracle.jobName, '{job}']];
  const a: [string, string][] = [...common, [ours.jobName, '{job}']];
  const tokens: Record<string, [string, string]> = {};
  const byKind = (side: Side, kind: RequestKind) => side.requests.filter((r) => r.kind === kind);
  const nameOf = (r: WireRequest) => assetNameVersion(r.path)?.name ?? '';

  // Codes: every upload folder gets one token; all code versions registered for it share it.
  const keys = pairUp(
    [...new Set(byKind(oracle, 'code').map(codeKey))],
    [...new Set(byKind(ours, 'code').map(codeKey))],
    (k) => k,
  );
  keys.forEach(([ok, ak], i) => {
    const oCodes = byKind(oracle, 'code').filter((r) => ok !== undefined && codeKey(r) === ok);
    const aCodes = byKind(ours, 'code').filter((r) => ak !== undefined && codeKey(r) === ak);
    const placeholder = !aCodes.length && oCodes.some(isPlaceholderCode);
    const token = placeholder ? `{placeholder-code#${i + 1}}` : `{code#${i + 1}}`;
    for (const r of oCodes) o.push([nameOf(r), token]);
    for (const r of aCodes) a.push([nameOf(r), token]);
    tokens[token] = [oCodes.map(nameOf).join(' '), aCodes.map(nameOf).join(' ')];
  });

  // Components: grouped and paired by their spec once code names are tokens (az ml registers a
  // component again for every step using it, with a new code name each time); versions hashed over
  // a code id become tokens.
  const groups = (s: Side, subs: [string, string][]): Map<string, WireRequest[]> => {
    const out = new Map<string, WireRequest[]>();
    for (const r of byKind(s, 'component')) {
      const k = componentKey(r, { pairs: subs });
      out.set(k, [...(out.get(k) ?? []), r]);
    }
    return out;
  };
  // A version depends on generated names when its spec holds a code token anywhere (a parallel
  // task's code too) or a component version already made a token (a pipeline component's steps):
  // rounds until nothing new depends on them.
  const dependsOnGenerated = (r: WireRequest, subs: [string, string][]): boolean =>
    /\/codes\/\{(placeholder-)?code#|\/versions\/\{component#/.test(
      JSON.stringify(substitute(specOf(r) ?? {}, { pairs: subs })),
    );
  const versionSubs: [string, string][][] = [[], []];
  const tokenOf = [new Map<string, string>(), new Map<string, string>()];
  let componentPairs: [WireRequest | undefined, WireRequest | undefined][] = [];
  let next = 0;
  for (let round = 0; round < 8; round++) {
    const oAll = [...o, ...versionSubs[0]];
    const aAll = [...a, ...versionSubs[1]];
    const oGroups = groups(oracle, oAll);
    const aGroups = groups(ours, aAll);
    const componentKeys = pairUp([...oGroups.keys()], [...aGroups.keys()], (k) => k);
    componentPairs = [];
    let added = false;
    for (const [ok, ak] of componentKeys) {
      const xs = ok === undefined ? [] : oGroups.get(ok)!;
      const ys = ak === undefined ? [] : aGroups.get(ak)!;
      componentPairs.push([xs[0], ys[0]]);
      if (!xs.length || !ys.length || !(dependsOnGenerated(xs[0], oAll) || dependsOnGenerated(ys[0], aAll))) continue;
      const sides: [WireRequest[], number][] = [
        [xs, 0],
        [ys, 1],
      ];
      const known = sides.flatMap(([list, n]) => list.map((r) => tokenOf[n].get(assetNameVersion(r.path)!.version)));
      if (known.every((t) => t !== undefined)) continue;
      const token = known.find((t) => t !== undefined) ?? `{component#${++next}}`;
      for (const [list, n] of sides) {
        for (const r of list) {
          const nv = assetNameVersion(r.path)!;
          if (tokenOf[n].has(nv.version)) continue;
          tokenOf[n].set(nv.version, token);
          versionSubs[n].push([`${nv.name}/versions/${nv.version}`, `${nv.name}/versions/${token}`]);
          added = true;
        }
      }
      tokens[token] = [
        xs.map((r) => assetNameVersion(r.path)!.version).join(' '),
        ys.map((r) => assetNameVersion(r.path)!.version).join(' '),
      ];
    }
    if (!added) break;
  }
  o.push(...versionSubs[0]);
  a.push(...versionSubs[1]);

  const oSubs: Substitutions = { pairs: o };
  const aSubs: Substitutions = { pairs: a };
  const norm = (r: WireRequest | undefined, subs: Substitutions): WireRequest | undefined =>
    r && { ...r, path: substitute(r.path, subs) as string, body: substitute(r.body, subs) };
  const once = (list: WireRequest[]): WireRequest[] => {
    const seen = new Set<string>();
    return list.filter((r) => {
      const k = JSON.stringify(sortKeys(comparable(r)));
      return seen.has(k) ? false : (seen.add(k), true);
    });
  };
  const side = (s: Side, kind: RequestKind, subs: Substitutions): WireRequest[] =>
    once(byKind(s, kind).map((r) => norm(r, subs)!));

  const pairs: Paired[] = [];
  const push = (kind: RequestKind, list: [WireRequest | undefined, WireRequest | undefined][]): void => {
    for (const [x, y] of list) pairs.push({ kind, label: (x ?? y)!.path, oracle: x, ours: y });
  };
  const byPath = (r: WireRequest) => r.path;
  push('code', pairUp(side(oracle, 'code', oSubs), side(ours, 'code', aSubs), byPath));
  push('environment', pairUp(side(oracle, 'environment', oSubs), side(ours, 'environment', aSubs), byPath));
  push(
    'component',
    componentPairs.map(([x, y]) => [norm(x, oSubs), norm(y, aSubs)]),
  );
  for (const kind of ['data', 'model'] as const)
    push(kind, pairUp(side(oracle, kind, oSubs), side(ours, kind, aSubs), byPath));
  // The job: the last PUT of each side (a client that retried sends the same body again).
  const oJob = norm(byKind(oracle, 'job').pop(), oSubs);
  const aJob = norm(byKind(ours, 'job').pop(), aSubs);
  if (oJob || aJob) push('job', [[oJob, aJob]]);
  return { pairs, tokens };
}

/** Pairs two lists: equal keys first (in order), then what is left by position. */
export function pairUp<T>(
  left: T[],
  right: T[],
  key: (t: T, side: 'left' | 'right') => string,
): [T | undefined, T | undefined][] {
  const out: [T | undefined, T | undefined][] = [];
  const restRight = [...right];
  const restLeft: T[] = [];
  for (const l of left) {
    const k = key(l, 'left');
    const i = restRight.findIndex((r) => key(r, 'right') === k);
    if (i >= 0) out.push([l, restRight.splice(i, 1)[0]]);
    else restLeft.push(l);
  }
  const n = Math.max(restLeft.length, restRight.length);
  for (let i = 0; i < n; i++) out.push([restLeft[i], restRight[i]]);
  return out;
}

// ------------------------------------------------------------------------------------------------
// comparison

/** Marks a member one side does not have. */
export const ABSENT = Symbol('absent');
export type Value = unknown | typeof ABSENT;

export interface Difference {
  /** JSON path: `url`, `api-version`, `body.properties.jobs.train.inputs.x.value`, `body.a[0]`. */
  path: string;
  oracle: Value;
  ours: Value;
}

/** What is compared of one request: where it went, which api-version, and the body. */
export function comparable(r: WireRequest | undefined): unknown {
  return r ? { url: r.path, 'api-version': r.apiVersion, body: r.body } : ABSENT;
}

const segment = (k: string): string => (/^[A-Za-z_$][\w$-]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/** Every leaf where the two values differ, as JSON paths (key order does not matter). */
export function diff(oracle: Value, ours: Value, at = ''): Difference[] {
  if (oracle === ABSENT || ours === ABSENT) {
    return oracle === ours ? [] : [{ path: at.replace(/^\./, '') || '$', oracle, ours }];
  }
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(oracle) && Array.isArray(ours)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(oracle.length, ours.length); i++) {
      out.push(...diff(i < oracle.length ? oracle[i] : ABSENT, i < ours.length ? ours[i] : ABSENT, `${at}[${i}]`));
    }
    return out;
  }
  if (isObj(oracle) && isObj(ours)) {
    const keys = [...new Set([...Object.keys(oracle), ...Object.keys(ours)])].sort();
    return keys.flatMap((k) =>
      diff(k in oracle ? oracle[k] : ABSENT, k in ours ? ours[k] : ABSENT, `${at}${segment(k)}`),
    );
  }
  return Object.is(oracle, ours) ? [] : [{ path: at.replace(/^\./, '') || '$', oracle, ours }];
}

/** How many leaf values a body holds (what a field-by-field comparison looks at). */
export function leafCount(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + leafCount(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + leafCount(x), 0);
  return 1;
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** A value for a report line. */
export function show(v: Value): string {
  if (v === ABSENT) return '(absent)';
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
