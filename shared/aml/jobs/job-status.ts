/** Job statuses after which nothing changes any more. */
export const TERMINAL_STATUSES = new Set(['Completed', 'Failed', 'Canceled', 'NotResponding', 'Paused']);

export interface JobResource {
  id?: string;
  name?: string;
  properties?: {
    status?: string;
    jobType?: string;
    experimentName?: string;
    displayName?: string;
    services?: Record<string, { endpoint?: string; jobServiceType?: string }>;
    outputs?: Record<string, { uri?: string; jobOutputType?: string; mode?: string }>;
    error?: { code?: string; message?: string };
    creationContext?: { createdAt?: string };
    [key: string]: unknown;
  };
  systemData?: { createdAt?: string };
}

/** The studio link the service puts on the job, else one built like az ml prints it. */
export function studioUrl(job: JobResource, studioBase: string, workspaceArmId: string): string {
  const fromService = job.properties?.services?.Studio?.endpoint;
  if (fromService) return fromService;
  return `${studioBase}/runs/${encodeURIComponent(job.name ?? '')}?wsid=${workspaceArmId}`;
}
