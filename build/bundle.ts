import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { declarations } from '../shared/declarations';
import { licensesText } from './licenses';
import { paths, root } from './paths';

/**
 * The three faces as self-contained bundles that run with no node_modules:
 *  - actions/dist (committed: GitHub runs it): ES modules split by step, so an action parses only
 *    the code of the step it runs; main.js (the face), one tiny <step>.js entry per action and
 *    chunks/ (each step's code and what steps share);
 *  - tasks/Aml<Step>V1/index.js, one per task folder, each packaged on its own into the .vsix;
 *  - dist/cli.js for `amlops`.
 * The task bundles never share code with the GitHub one: task-lib deletes INPUT_* and ENDPOINT_*
 * from process.env when it is loaded.
 */
const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  absWorkingDir: root,
  // Minified: 1.5 MB instead of 3.3 MB for the committed GitHub bundle (repository growth, start-up
  // parse time). keepNames keeps class and function names, which some libraries and our error
  // messages read. Licences go to licenses.txt beside each bundle.
  minify: true,
  keepNames: true,
  // ESM builds of the Azure SDK packages let esbuild drop what no step uses (they declare no side
  // effects); the CommonJS builds would be bundled whole and evaluated at every start.
  mainFields: ['module', 'main'],
  legalComments: 'none',
  sourcemap: false,
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
};

export interface Written {
  file: string;
  bytes: number;
}

function write(file: string, content: string | Uint8Array): Written {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return { file, bytes: Buffer.byteLength(content) };
}

/**
 * CommonJS libraries inside an ES module bundle call require() for Node's built-ins; esbuild's stub
 * for it throws, so each output file gets a real one.
 */
const esmRequire =
  "import { createRequire as __amlopsRequire } from 'node:module';\nconst require = __amlopsRequire(import.meta.url);";

/**
 * @actions/http-client imports undici (430 KB, the larger part of the face) only for
 * getAgentDispatcher(), a proxy dispatcher for fetch() that @actions/core never asks for: its
 * requests go through node:http with the proxy agent of `tunnel`. Left out, every action starts
 * without parsing it.
 */
const withoutUndici: Plugin = {
  name: 'actions-http-client-without-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      /[\\/]@actions[\\/]http-client[\\/]/.test(args.importer) ? { path: 'undici', namespace: 'no-undici' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-undici' }, () => ({
      contents:
        'export class ProxyAgent { constructor() { throw new Error("amlops: undici is not bundled (getAgentDispatcher is unused)"); } }\n',
      loader: 'js',
    }));
  },
};

/**
 * On Node 22+, node:http has lazy getters (WebSocket, MessageEvent, CloseEvent) that load Node's
 * internal undici (about 10 ms) once read, and the facade Node builds for an ES module import of a
 * built-in reads every export. Through require() the getters stay unread, so http and https are
 * imported from a CommonJS stub that requires them.
 */
const httpThroughRequire: Plugin = {
  name: 'http-through-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.namespace === 'require-builtin'
        ? undefined
        : { path: args.path.replace(/^node:/, ''), namespace: 'require-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'require-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});\n`,
      loader: 'js',
    }));
  },
};

/** The GitHub face: the face plus one chunk per step (loaded by shared/steps' import()), into outDir. */
export async function bundleGithub(outDir = path.join(root, 'actions', 'dist')): Promise<Written[]> {
  const result = await build({
    ...common,
    format: 'esm',
    splitting: true,
    entryPoints: { main: path.join(root, 'actions/src/main.ts') },
    // Named by content, so a fresh build of the same sources gives the same files (the committed
    // actions/dist is checked against one).
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: esmRequire },
    plugins: [withoutUndici, httpThroughRequire],
    write: false,
    outdir: outDir,
  });
  // Start clean so an entry or chunk of a removed step does not linger in the committed folder.
  fs.rmSync(outDir, { recursive: true, force: true });
  const written = result.outputFiles.map((f) => write(f.path, f.contents));
  // The .js files are ES modules for Node and for @github/local-action (which reads "type" too).
  written.push(write(path.join(outDir, 'package.json'), '{ "type": "module" }\n'));
  for (const decl of declarations) {
    written.push(write(path.join(outDir, `${decl.id}.js`), githubEntry(decl.id)));
  }
  written.push(write(path.join(outDir, 'licenses.txt'), licensesText(result.metafile!)));
  return written;
}

/** Run by GitHub as `node actions/dist/<step>.js`; exports run() for @github/local-action. */
function githubEntry(id: string): string {
  const step = JSON.stringify(id);
  return [
    `// Generated by build/bundle.ts: the entry of actions/${id}/action.yml.`,
    `import nodeModule from 'node:module';`,
    `import { realpathSync } from 'node:fs';`,
    `import { fileURLToPath } from 'node:url';`,
    `// Node 22.1+ keeps V8's compiled code between the steps of a job (absent on older Node); before`,
    `// the face loads, hence its import() rather than an import statement.`,
    `nodeModule.enableCompileCache?.();`,
    `const face = await import('./main.js');`,
    `export const run = () => face.run(${step});`,
    `// Run as the script (GitHub), not when imported (local-action calls run()).`,
    `const script = process.argv[1] ? realpathSync(process.argv[1]) : '';`,
    `if (script === fileURLToPath(import.meta.url)) await face.main(${step});`,
    '',
  ].join('\n');
}

/** The Azure DevOps face: a standalone bundle per task folder, with task-lib's messages beside it. */
export async function bundleTasks(outRoot = root): Promise<Written[]> {
  const written: Written[] = [];
  const taskLib = path.join(root, 'node_modules', 'azure-pipelines-task-lib');
  await Promise.all(
    declarations.map(async (decl) => {
      const dir = path.join(outRoot, paths.taskDir(decl.pascal));
      const result = await build({
        ...common,
        stdin: {
          contents: `import { main } from './main';\nmain(${JSON.stringify(decl.id)});\n`,
          resolveDir: path.join(root, 'tasks', 'src'),
          sourcefile: `tasks/src/entry-${decl.id}.ts`,
          loader: 'ts',
        },
        write: false,
        outfile: path.join(dir, 'index.js'),
      });
      written.push(write(path.join(dir, 'index.js'), result.outputFiles[0].contents));
      // task-lib loads lib.json and Strings/ from its own __dirname, which is now the task folder.
      fs.copyFileSync(path.join(taskLib, 'lib.json'), path.join(dir, 'lib.json'));
      fs.rmSync(path.join(dir, 'Strings'), { recursive: true, force: true });
      fs.cpSync(path.join(taskLib, 'Strings'), path.join(dir, 'Strings'), { recursive: true });
      written.push(write(path.join(dir, 'licenses.txt'), licensesText(result.metafile!)));
    }),
  );
  return written;
}

/** The command line: dist/cli.js, loaded by bin/amlops.cjs. */
export async function bundleCli(outFile = path.join(root, 'dist', 'cli.js')): Promise<Written[]> {
  const result = await build({
    ...common,
    entryPoints: [path.join(root, 'cli/main.ts')],
    write: false,
    outfile: outFile,
  });
  return [
    write(outFile, result.outputFiles[0].contents),
    write(path.join(path.dirname(outFile), 'cli.licenses.txt'), licensesText(result.metafile!)),
  ];
}

/**
 * `npm run bundle [-- github|ado|cli ...] [--out-dir DIR]`: all faces, or the ones named. With
 * --out-dir the same tree (actions/dist, tasks/Aml*V1, dist/cli.js) is written under DIR instead of
 * the repository, which tests use to compare with the committed bundles and to get fresh ones.
 */
export async function main(args: string[]): Promise<number> {
  let outRoot = root;
  const only = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out-dir') outRoot = path.resolve(args[++i]);
    else if (['github', 'ado', 'cli'].includes(args[i])) only.add(args[i]);
    else throw new Error(`bundle: unknown argument '${args[i]}' (faces: github, ado, cli; --out-dir DIR)`);
  }
  const want = (face: string) => only.size === 0 || only.has(face);
  const started = Date.now();
  const written = [
    ...(want('github') ? await bundleGithub(path.join(outRoot, 'actions', 'dist')) : []),
    ...(want('ado') ? await bundleTasks(outRoot) : []),
    ...(want('cli') ? await bundleCli(path.join(outRoot, 'dist', 'cli.js')) : []),
  ];
  const size = (bytes: number) => (bytes < 10240 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`);
  for (const w of written.filter((x) => x.file.endsWith('.js'))) {
    console.log(`${path.relative(outRoot, w.file).padEnd(40)} ${size(w.bytes).padStart(9)}`);
  }
  console.log(`bundled in ${Date.now() - started} ms`);
  return 0;
}
