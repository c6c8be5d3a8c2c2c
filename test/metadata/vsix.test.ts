import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVsix, missingFromVsix } from '../../build/package-ado';
import { zipEntries } from '../../build/zip-list';
import { declarations } from '../../shared/declarations';
import { freshBundles, repoRoot } from '../faces/fresh-bundles';

it('the Azure DevOps extension packs every task folder with task.json, index.js and lib.json', async () => {
  const bundles = await freshBundles();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-vsix-'));
  try {
    fs.cpSync(path.join(bundles, 'tasks'), path.join(dir, 'tasks'), { recursive: true });
    fs.cpSync(path.join(repoRoot, 'tasks', 'vss-extension.json'), path.join(dir, 'tasks', 'vss-extension.json'));
    const vsix = createVsix(path.join(dir, 'tasks'), path.join(dir, 'out'));
    expect(missingFromVsix(vsix)).toEqual([]);
    const entries = zipEntries(vsix);
    expect(entries).toContain('extension.vsixmanifest');
    for (const d of declarations)
      expect(entries).toContain(`Aml${d.pascal}V1/Strings/resources.resjson/en-US/resources.resjson`);
    // Only the task folders: no sources, no node_modules.
    expect(entries.filter((e) => /(^|\/)(src|node_modules)\//.test(e))).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
