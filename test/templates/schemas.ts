import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { declarations } from '../../shared/declarations';
import { camelCase } from '../../shared/declarations/types';

const schemas = path.resolve(__dirname, '..', '..', '..', 'shared', 'schemas');
const load = (file: string) => JSON.parse(fs.readFileSync(path.join(schemas, file), 'utf8'));
// Published schemas: strict mode rejects their own quirks, and the pipeline one has non-unicode regexes.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false });
export const validateWorkflow = ajv.compile(load('github-workflow.json'));
export const validatePipeline = ajv.compile(withOurTasks(load('azure-pipelines.schema.json')));
export const explain = (errors: unknown) => JSON.stringify(errors, null, 1).slice(0, 4000);

/**
 * The service schema of an organization lists the tasks installed there; with the amlops
 * extension installed it has ours, with their inputs. Added here from the declarations.
 */
function withOurTasks(schema: {
  definitions: { task: { properties: { task: { anyOf: unknown[] } }; anyOf: unknown[] } };
}) {
  const task = schema.definitions.task;
  for (const decl of declarations) {
    const name = `Aml${decl.pascal}@${decl.version.major}`;
    const inputs = decl.inputs.filter((i) => !i.faces || i.faces.includes('azure-devops'));
    task.properties.task.anyOf.push({ enum: [name] });
    task.anyOf.push({
      properties: {
        task: { pattern: `^${name}$` },
        inputs: {
          properties: Object.fromEntries(inputs.map((i) => [camelCase(i.name), {}])),
          additionalProperties: false,
          required: inputs.filter((i) => i.required).map((i) => camelCase(i.name)),
        },
      },
      required: ['task'],
    });
  }
  return schema;
}

/** Azure Pipelines reads every YAML scalar as a string (its schema says so too); typed values become strings. */
export const asPipelineYaml = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(asPipelineYaml)
    : node && typeof node === 'object'
      ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, asPipelineYaml(v)]))
      : node === null || node === undefined
        ? node
        : String(node);
