import { armErrors } from '../arm-errors';
import type { WorkspaceSeed } from '../state';
import { PROVIDER, type World } from '../world';
import type { JobRecord } from './model';

export const jobKey = (workspace: string, name: string): string => `${workspace}/${name.toLowerCase()}`;

export function findJob(w: World, workspace: string, name: string): JobRecord | undefined {
  return w.state.data.jobs[jobKey(workspace, name)];
}

export function requireJob(w: World, ws: WorkspaceSeed, name: string): JobRecord {
  const rec = findJob(w, ws.name, name);
  if (!rec) throw armErrors.resourceNotFound(`${PROVIDER}/workspaces/${ws.name}/jobs`, name, w.ids.resourceGroup);
  return rec;
}

export function jobsOf(w: World, workspace: string): JobRecord[] {
  const prefix = `${workspace}/`;
  return Object.entries(w.state.data.jobs)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v);
}

export function childrenOf(w: World, parent: JobRecord): JobRecord[] {
  return jobsOf(w, parent.workspace)
    .filter((j) => j.parent?.toLowerCase() === parent.name.toLowerCase())
    .sort((a, b) => a.runNumber - b.runNumber);
}

export function nextRunNumber(w: World): number {
  return Object.values(w.state.data.jobs).reduce((max, j) => Math.max(max, j.runNumber), 0) + 1;
}

export function saveJob(w: World, rec: JobRecord): void {
  rec.modifiedAt = new Date().toISOString();
  w.state.data.jobs[jobKey(rec.workspace, rec.name)] = rec;
  w.state.save();
}
