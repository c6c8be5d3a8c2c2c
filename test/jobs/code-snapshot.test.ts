import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildContextVersion } from '../../shared/aml/jobs/plan';
import { codeVersionBody, snapshotCode } from '../../shared/aml/jobs/code-snapshot';
import { failure } from './helpers';

function makeFolder(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-code-'));
  const dir = path.join(root, 'src');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const FILES = {
  'main.py': 'print(1)\n',
  'sub/B.txt': 'x\n',
  'logs/a.log': 'log\n',
  'keep.log': 'y\n',
  '.amlignore': '*.log\n!keep.log\n',
};

describe('code snapshot', () => {
  it('hashes a folder exactly as azure-ai-ml does (values computed with azure-ai-ml 1.4.0)', () => {
    const snap = snapshotCode(makeFolder({ ...FILES, '.amlignore': '*.log\n' }));
    expect(snap.files).toEqual(['.amlignore', 'main.py', 'sub/B.txt']);
    expect(snap.ignoreFile).toBe('.amlignore');
    expect(snap.objectHash).toBe('4230a636358eef6fa0f5548db2a9c059');
    expect(snap.contentHash).toBe('586f811e89dd90c759908664b5daa708dca8fdfa45d65b1b793229f1a637b54b');
    expect(snap.blobPrefix).toBe('LocalUpload/4230a636358eef6fa0f5548db2a9c059/src');
    expect(codeVersionBody(snap, 'https://acct.blob.core.windows.net/c/LocalUpload/x/src')).toEqual({
      properties: {
        codeUri: 'https://acct.blob.core.windows.net/c/LocalUpload/x/src',
        isAnonymous: true,
        properties: { hash_sha256: snap.contentHash, hash_version: '202208' },
      },
    });
  });

  it('lets the first matching pattern decide, as the IgnoreFile of azure-ai-ml does', () => {
    expect(snapshotCode(makeFolder(FILES)).files).toEqual(['.amlignore', 'main.py', 'sub/B.txt']);
  });

  it('is stable, and changes when a file or an ignore rule changes', () => {
    const a = snapshotCode(makeFolder(FILES));
    const b = snapshotCode(makeFolder(FILES));
    expect(b.objectHash).toBe(a.objectHash);
    expect(b.contentHash).toBe(a.contentHash);
    const changedFile = snapshotCode(makeFolder({ ...FILES, 'main.py': 'print(2)\n' }));
    expect(changedFile.objectHash).not.toBe(a.objectHash);
    expect(changedFile.contentHash).not.toBe(a.contentHash);
    const changedRule = snapshotCode(makeFolder({ ...FILES, '.amlignore': '*.log\nsub/\n' }));
    expect(changedRule.files).toEqual(['.amlignore', 'main.py']);
    expect(changedRule.objectHash).not.toBe(a.objectHash);
  });

  it('uses .gitignore only when there is no .amlignore, and only at the top', () => {
    const { '.amlignore': _, ...rest } = FILES;
    const snap = snapshotCode(makeFolder({ ...rest, '.gitignore': 'logs/\n', 'sub/.gitignore': '*.txt\n' }));
    expect(snap.ignoreFile).toBe('.gitignore');
    expect(snap.files).toEqual(['.gitignore', 'keep.log', 'main.py', 'sub/.gitignore', 'sub/B.txt']);
  });

  it('refuses a missing or empty folder', () => {
    expect(failure(() => snapshotCode('/nonexistent/code'))).toMatch(/code folder not found/);
    expect(failure(() => snapshotCode(makeFolder({ 'x.log': '1', '.amlignore': '*\n' })))).toMatch(/is empty/);
  });

  it('names a build-context environment from the context hash and dockerfile path', () => {
    expect(buildContextVersion('597f0acdb3cf5970658163e83a195980')).toMatch(/^[0-9a-f]{32}$/);
    expect(buildContextVersion('h', 'Dockerfile')).not.toBe(buildContextVersion('h'));
  });
});
