import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pythonAliasDir } from '../../emulator/jobs/python-env';

/** Debian has only python3; job commands say `python`. The alias folder makes both work. */
test('python in the alias folder runs python3', () => {
  const python3 = '/usr/bin/python3';
  if (!fs.existsSync(python3)) return;
  const dir = pythonAliasDir(python3);
  expect(fs.readlinkSync(path.join(dir, 'python'))).toBe(python3);
  const run = spawnSync('bash', ['-c', 'python -c "import sys; print(sys.version_info[0])"'], {
    env: { PATH: `${dir}:/bin` },
    encoding: 'utf8',
  });
  expect(run.stdout.trim()).toBe('3');
});
