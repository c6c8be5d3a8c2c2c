import * as fs from 'node:fs';
import * as path from 'node:path';
import { declarations } from '../../shared/declarations';

/**
 * A published task is known to Azure DevOps by its GUID: changing it orphans every pipeline that
 * uses the task. task-ids.json is the record of the GUIDs handed out; add a line for a new step.
 */
const published: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, 'task-ids.json'), 'utf8'));

describe('Azure DevOps task GUIDs', () => {
  it('are unique, lower-case GUIDs', () => {
    const ids = declarations.map((d) => d.taskId);
    expect(new Set(ids.map((id) => id.toLowerCase())).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('never change once recorded in task-ids.json', () => {
    for (const decl of declarations) {
      if (!(decl.id in published)) {
        throw new Error(`step '${decl.id}' is not in test/metadata/task-ids.json: add "${decl.id}": "${decl.taskId}"`);
      }
      expect([decl.id, decl.taskId]).toEqual([decl.id, published[decl.id]]);
    }
  });

  it('are not reused by another step', () => {
    const owners = new Map(Object.entries(published).map(([step, id]) => [id, step]));
    for (const decl of declarations) expect([decl.id, owners.get(decl.taskId) ?? decl.id]).toEqual([decl.id, decl.id]);
  });
});
