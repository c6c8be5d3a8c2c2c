import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRecord } from '../http';
import { UserJobError } from './runner';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/**
 * A parallel step (ParallelRunStep) runs here as a command job: parallel_driver.py loads the task's
 * entry script, calls init() once and run(mini_batch) over the input in mini-batches, and appends
 * what run() returns to the append_row_to output. The step's node fields win over its component's,
 * as azure-ai-ml fills them.
 */

/** parallel_driver.py beside this module, or (from a bundle) in the repository's emulator/jobs. */
export function parallelDriverPath(): string {
  const candidates: string[] = [];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'parallel_driver.py'), path.join(dir, 'emulator', 'jobs', 'parallel_driver.py'));
  }
  candidates.push(path.join(process.cwd(), 'emulator', 'jobs', 'parallel_driver.py'));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('parallel_driver.py is missing from the emulator');
  return found;
}

const quoted = (s: string): string => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

/** The command, code, environment and variables of the command job a parallel step runs as. */
export function parallelCommand(stepName: string, node: Json, spec: Json): Json {
  const task = { ...obj(spec.task), ...obj(node.task) };
  const pick = (key: string): unknown => node[key] ?? spec[key];
  const entry = task.entry_script;
  if (typeof entry !== 'string' || !entry)
    throw new UserJobError(`Parallel step '${stepName}' has no task.entry_script.`);
  const input = pick('input_data');
  if (typeof input !== 'string' || !input) throw new UserJobError(`Parallel step '${stepName}' has no input_data.`);
  const args = [`--entry ${quoted(entry)}`, `--input "${input}"`];
  const size = pick('mini_batch_size');
  if (size !== undefined && size !== null) args.push(`--mini-batch-size ${Number(size)}`);
  if (typeof task.append_row_to === 'string') args.push(`--append-row-to "${task.append_row_to}"`);
  const errorThreshold = pick('error_threshold');
  if (typeof errorThreshold === 'number') args.push(`--error-threshold ${errorThreshold}`);
  const batchThreshold = pick('mini_batch_error_threshold');
  if (typeof batchThreshold === 'number') args.push(`--mini-batch-error-threshold ${batchThreshold}`);
  const program = typeof task.program_arguments === 'string' ? ` -- ${task.program_arguments}` : '';
  return {
    command: `python ${quoted(parallelDriverPath())} ${args.join(' ')}${program}`,
    code: task.code,
    environment: task.environment,
    environmentVariables: obj(node.environment_variables),
  };
}
