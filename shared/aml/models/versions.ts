import { explainArmError, type AmlContext } from '../context';

/** A model version as ARM serves it (workspace or registry). */
export interface ModelVersionResource {
  id?: string;
  name?: string;
  systemData?: { createdAt?: string };
  properties?: {
    description?: string | null;
    tags?: Record<string, string> | null;
    properties?: Record<string, string> | null;
    modelType?: string | null;
    modelUri?: string | null;
    jobName?: string | null;
    stage?: string | null;
    flavors?: Record<string, unknown> | null;
    isAnonymous?: boolean;
    isArchived?: boolean;
    provisioningState?: string;
  };
}

interface Page<T> {
  value?: T[];
  nextLink?: string;
}

/** Every version of a model (all pages, archived ones too); [] when the model does not exist. */
export async function listModelVersions(
  ctx: AmlContext,
  modelPath: string,
  what: string,
): Promise<ModelVersionResource[]> {
  const out: ModelVersionResource[] = [];
  let url: string | undefined = `${modelPath}/versions?listViewType=All`;
  try {
    while (url) {
      const res: { status: number; body: Page<ModelVersionResource> } = await ctx.arm.request<
        Page<ModelVersionResource>
      >('GET', url);
      out.push(...(res.body?.value ?? []));
      url = res.body?.nextLink || undefined;
    }
  } catch (err) {
    if ((err as { status?: number }).status === 404) return [];
    throw explainArmError(err, ctx, what);
  }
  return out;
}

/** Azure ML's next version: one more than the highest numeric version, 1 when there is none. */
export function nextVersion(versions: readonly ModelVersionResource[]): string {
  const numbers = versions.map((v) => v.name ?? '').filter((n) => /^\d+$/.test(n));
  return String(numbers.length ? Math.max(...numbers.map(Number)) + 1 : 1);
}

/** Newest first by creation time, then by numeric version. */
export function newestFirst(versions: readonly ModelVersionResource[]): ModelVersionResource[] {
  const num = (v: ModelVersionResource) => (/^\d+$/.test(v.name ?? '') ? Number(v.name) : -1);
  return [...versions].sort(
    (a, b) => (b.systemData?.createdAt ?? '').localeCompare(a.systemData?.createdAt ?? '') || num(b) - num(a),
  );
}

/** The body to PUT a version again with changed mutable fields (read-only fields left out). */
export function versionBodyFrom(v: ModelVersionResource): { properties: Record<string, unknown> } {
  const p = { ...(v.properties ?? {}) } as Record<string, unknown>;
  delete p.provisioningState;
  for (const [k, val] of Object.entries(p)) if (val === null) delete p[k];
  return { properties: p };
}
