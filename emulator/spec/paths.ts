/** One operation of the spec, addressed by HTTP method and path template. */
export interface PathRoute<T> {
  method: string;
  pathTemplate: string;
  value: T;
}

interface CompiledRoute<T> extends PathRoute<T> {
  /** Lower-cased literal segment, or undefined for a `{parameter}` segment. */
  segments: (string | undefined)[];
  literalCount: number;
}

const PARAM_SEGMENT = /^\{[^{}]+\}$/;

/**
 * Matches concrete request paths against swagger path templates: case-insensitive literals, one
 * non-empty segment per `{parameter}`; when several templates match, the one with the most literal
 * segments wins (`.../computes/{name}` loses to a literal `.../computes/listNodes`, should one exist).
 */
export class PathMatcher<T> {
  private readonly byMethodAndLength = new Map<string, CompiledRoute<T>[]>();

  constructor(routes: Iterable<PathRoute<T>>) {
    for (const route of routes) {
      const segments = splitPath(route.pathTemplate).map((s) => (PARAM_SEGMENT.test(s) ? undefined : s.toLowerCase()));
      if (segments.some((s) => s !== undefined && s.includes('{'))) {
        throw new Error(`unsupported path template (partial parameter segment): ${route.pathTemplate}`);
      }
      const compiled: CompiledRoute<T> = {
        ...route,
        method: route.method.toLowerCase(),
        segments,
        literalCount: segments.filter((s) => s !== undefined).length,
      };
      const key = `${compiled.method} ${segments.length}`;
      const list = this.byMethodAndLength.get(key) ?? [];
      list.push(compiled);
      this.byMethodAndLength.set(key, list);
    }
    for (const list of this.byMethodAndLength.values()) list.sort((a, b) => b.literalCount - a.literalCount);
  }

  match(method: string, concretePath: string): PathRoute<T> | undefined {
    const segments = splitPath(stripToPath(concretePath)).map(decodeSegment);
    if (segments.some((s) => s === '')) return undefined;
    const candidates = this.byMethodAndLength.get(`${method.toLowerCase()} ${segments.length}`) ?? [];
    for (const route of candidates) {
      if (route.segments.every((lit, i) => lit === undefined || lit === segments[i].toLowerCase())) {
        return { method: route.method, pathTemplate: route.pathTemplate, value: route.value };
      }
    }
    return undefined;
  }
}

/** Accepts a bare path or a full URL; drops query string and fragment. */
function stripToPath(input: string): string {
  let p = input.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (scheme) p = p.slice(scheme[0].length);
  const cut = p.search(/[?#]/);
  return cut < 0 ? p : p.slice(0, cut);
}

function splitPath(p: string): string[] {
  const trimmed = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
