type Json = Record<string, unknown>;

/**
 * Whether a resource already is what we would send, so a re-run sends nothing: the service fills
 * in fields we leave out and drops nulls, so only what we send is compared, key order ignored.
 */

export const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Json)
        .filter(([, x]) => x !== null && x !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}

/** Every user property we send is set to that value (others may exist). */
export function propertiesInclude(have: unknown, want: unknown): boolean {
  const props = (have ?? {}) as Record<string, string>;
  return Object.entries(want as Record<string, string>).every(([k, v]) => props[k] === v);
}

/**
 * Every field of `want` has that value in `have`: user properties and objects one level down
 * compared entry by entry, other values with `equal`.
 */
export function sentFieldsMatch(have: Json, want: Json, equal: (h: unknown, w: unknown) => boolean = same): boolean {
  return Object.entries(want).every(([k, v]) => {
    if (k === 'properties') return propertiesInclude(have.properties, v);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const h = (have[k] ?? {}) as Json;
      return Object.entries(v as Json).every(([sk, sv]) => same(h[sk], sv));
    }
    return equal(have[k], v);
  });
}
