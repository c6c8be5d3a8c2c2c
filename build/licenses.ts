import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { root } from './paths';

/**
 * Third-party notices for a bundle: every npm package whose code esbuild put into it, with its
 * licence text. Bundling drops the packages' LICENSE files, which MIT and Apache-2.0 ask us to keep.
 */
export function licensesText(metafile: Metafile): string {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const entries = [...dirs]
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license?: string;
      };
      const file = fs.readdirSync(path.join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text = file
        ? fs.readFileSync(path.join(root, dir, file), 'utf8').trim()
        : '(no licence file in the package)';
      return { id: `${pkg.name}@${pkg.version}`, license: pkg.license ?? 'UNKNOWN', text };
    })
    .sort((a, b) => a.id.localeCompare(b.id))
    // The same package at one version may be installed twice (nested node_modules): list it once.
    .filter((e, i, all) => i === 0 || all[i - 1].id !== e.id);
  return entries
    .map((e) => `${e.id} (${e.license})\n\n${e.text.replace(/\r\n/g, '\n')}\n`)
    .join(`\n${'-'.repeat(72)}\n\n`);
}
