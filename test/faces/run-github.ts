import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cleanEnv, nodeBinary, runNode, type ChildResult, type NodeChoice, type SpawnOptions } from './child';
import { freshBundles } from './fresh-bundles';

export interface GithubRun extends ChildResult {
  /** stdout + stderr without `::add-mask::` commands: what a secrets canary should search. */
  log: string;
  /** GITHUB_OUTPUT as the runner would read it. */
  outputs: Record<string, string>;
  /** GITHUB_ENV: variables exported for later steps. */
  env: Record<string, string>;
  /** GITHUB_STEP_SUMMARY's markdown. */
  summary: string;
  /** `::error::` / `::warning::` commands, unescaped. */
  annotations: { kind: string; properties: Record<string, string>; message: string }[];
}

export interface GithubRunOptions extends Pick<SpawnOptions, 'timeoutMs' | 'onSpawn'> {
  node?: NodeChoice;
  /** GITHUB_WORKSPACE and working directory; a fresh temporary folder by default. */
  cwd?: string;
  /** Script to run instead of actions/dist/<step>.js, relative to the fresh bundles (e.g. a probe). */
  entry?: string;
}

/**
 * Runs actions/dist/<step>.js the way the runner does: inputs as INPUT_<NAME> variables, outputs,
 * exported variables and the summary through files, logs as workflow commands on stdout.
 */
export async function runGithubStep(
  stepId: string,
  inputs: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
  options: GithubRunOptions = {},
): Promise<GithubRun> {
  const bundles = await freshBundles();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `amlops-gh-${stepId}-`));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_STEP_SUMMARY: 'summary' } as const;
  const fileEnv: Record<string, string> = {};
  for (const [name, file] of Object.entries(files)) {
    fileEnv[name] = path.join(tmp, file);
    fs.writeFileSync(fileEnv[name], '');
  }
  const cwd = options.cwd ?? fs.mkdtempSync(path.join(tmp, 'workspace-'));
  const inputEnv: Record<string, string> = {};
  // Like the runner, inputs the workflow leaves out get the defaults from action.yml.
  const given = { ...actionDefaults(stepId), ...inputs };
  // The runner's naming: spaces to underscores, upper case, hyphens kept (INPUT_CLIENT-ID).
  for (const [name, value] of Object.entries(given)) inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const result = await runNode(
    nodeBinary(options.node),
    [path.join(bundles, options.entry ?? path.join('actions', 'dist', `${stepId}.js`))],
    {
      cwd,
      env: cleanEnv({
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: cwd,
        RUNNER_TEMP: tmp,
        ...fileEnv,
        ...inputEnv,
        ...env,
      }),
      timeoutMs: options.timeoutMs,
      onSpawn: options.onSpawn,
    },
  );
  const read = (name: keyof typeof files) => fs.readFileSync(fileEnv[name], 'utf8');
  const run: GithubRun = {
    ...result,
    log: `${result.stdout}\n${result.stderr}`
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    outputs: parseFileCommand(read('GITHUB_OUTPUT')),
    env: parseFileCommand(read('GITHUB_ENV')),
    summary: read('GITHUB_STEP_SUMMARY'),
    annotations: parseWorkflowCommands(result.stdout).filter((c) => ['error', 'warning', 'notice'].includes(c.kind)),
  };
  fs.rmSync(tmp, { recursive: true, force: true });
  return run;
}

/** Input defaults from actions/<step>/action.yml (absent for probes and unknown steps). */
function actionDefaults(stepId: string): Record<string, string> {
  const file = path.join(__dirname, '..', '..', 'actions', stepId, 'action.yml');
  if (!fs.existsSync(file)) return {};
  const action = parseYaml(fs.readFileSync(file, 'utf8')) as { inputs?: Record<string, { default?: unknown }> };
  const out: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    if (input.default !== undefined) out[name] = String(input.default);
  }
  return out;
}

/**
 * GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines, or `name<<DELIM` ... `DELIM` blocks for values
 * that may span lines (what @actions/core writes).
 */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc && (line.indexOf('=') < 0 || line.indexOf('<<') < line.indexOf('='))) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`unterminated ${name}<<${delimiter} block`);
      out[name] = value.join('\n');
    } else {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`malformed file command line: ${line}`);
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** `::kind key=value,key=value::message` lines of a step's stdout. */
export function parseWorkflowCommands(stdout: string): GithubRun['annotations'] {
  const commands: GithubRun['annotations'] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ kind: m[1], properties, message: unescapeData(m[3]) });
  }
  return commands;
}
