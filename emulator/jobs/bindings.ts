/**
 * The `${{...}}` expressions of a job's command, resolved the way Azure ML's runtime does:
 * `${{inputs.x}}` becomes a literal value or the local path of the materialized input,
 * `${{outputs.y}}` the local folder (or file) of an output, `${{search_space.z}}` a sampled value.
 * `$[[ ... ]]` wraps optional parts: kept when every input inside has a value, dropped otherwise.
 */

export interface CommandValues {
  inputs: Record<string, string | undefined>;
  outputs: Record<string, string>;
  searchSpace?: Record<string, string>;
}

const EXPRESSION = /\$\{\{\s*([a-zA-Z_]+)\.([a-zA-Z0-9_.-]+)\s*\}\}/g;
const OPTIONAL = /\$\[\[([\s\S]*?)\]\]/g;

export class BindingError extends Error {}

function lookup(values: CommandValues, scope: string, key: string): string | undefined {
  if (scope === 'inputs') return values.inputs[key];
  if (scope === 'outputs') return values.outputs[key];
  if (scope === 'search_space') return values.searchSpace?.[key];
  throw new BindingError(
    `\${{${scope}.${key}}} cannot be resolved: only inputs, outputs and search_space can be used in a command.`,
  );
}

function known(values: CommandValues, scope: string, key: string): boolean {
  if (scope === 'inputs') return key in values.inputs;
  if (scope === 'outputs') return key in values.outputs;
  if (scope === 'search_space') return !!values.searchSpace && key in values.searchSpace;
  return false;
}

export function resolveCommand(command: string, values: CommandValues): string {
  const withOptionals = command.replace(OPTIONAL, (_all, inner: string) => {
    const refs = [...inner.matchAll(EXPRESSION)];
    return refs.every((m) => lookup(values, m[1], m[2]) !== undefined) ? inner : '';
  });
  return withOptionals.replace(EXPRESSION, (_all, scope: string, key: string) => {
    const value = lookup(values, scope, key);
    if (value !== undefined) return value;
    if (!known(values, scope, key)) {
      throw new BindingError(
        `The command uses \${{${scope}.${key}}}, but the job has no ${scope.replace('_', ' ')} '${key}'.`,
      );
    }
    throw new BindingError(
      `The command uses \${{${scope}.${key}}}, which has no value; give the input a value or wrap it in $[[...]] to make it optional.`,
    );
  });
}

/** `${{parent.inputs.x}}`, `${{parent.outputs.x}}` and `${{parent.jobs.step.outputs.y}}` in pipeline step bindings. */
export type PipelineBinding =
  | { kind: 'parentInput'; name: string }
  | { kind: 'parentOutput'; name: string }
  | { kind: 'stepOutput'; step: string; name: string };

export function parsePipelineBinding(value: unknown): PipelineBinding | undefined {
  if (typeof value !== 'string') return undefined;
  const m =
    /^\s*\$\{\{\s*parent\.(inputs|outputs|jobs)\.([a-zA-Z0-9_-]+)(?:\.outputs\.([a-zA-Z0-9_-]+))?\s*\}\}\s*$/.exec(
      value,
    );
  if (!m) return undefined;
  if (m[1] === 'inputs' && !m[3]) return { kind: 'parentInput', name: m[2] };
  if (m[1] === 'outputs' && !m[3]) return { kind: 'parentOutput', name: m[2] };
  if (m[1] === 'jobs' && m[3]) return { kind: 'stepOutput', step: m[2], name: m[3] };
  return undefined;
}

/** Any `${{parent....}}` expressions inside a longer string (e.g. "--lr ${{parent.inputs.lr}}"). */
export function replaceParentInputs(text: string, inputs: Record<string, string | undefined>): string {
  return text.replace(/\$\{\{\s*parent\.inputs\.([a-zA-Z0-9_-]+)\s*\}\}/g, (all, name: string) => inputs[name] ?? all);
}
