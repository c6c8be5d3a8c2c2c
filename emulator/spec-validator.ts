import * as path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import type { ErrorObject, SchemaValidateFunction, ValidateFunction } from 'ajv';
import { isObject, SpecDocuments, type JsonObject } from './spec/documents';
import { formatsFor } from './spec/formats';
import { PathMatcher } from './spec/paths';
import {
  DISCRIMINATOR_KEYWORD,
  SchemaBuilder,
  type DiscriminatorKeyword,
  type Direction,
  type SchemaSource,
} from './spec/schema-builder';

/**
 * Validates Azure ML control-plane requests and responses against the official OpenAPI 2.0 spec
 * (api-version 2024-10-01) so the emulator can check every exchange in tests.
 */
export interface SpecValidator {
  /** Matches the concrete path (e.g. /subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/dev/computes/c1) case-insensitively against the spec's path templates; returns the operationId or undefined. */
  findOperation(method: string, path: string): { operationId: string; pathTemplate: string } | undefined;
  /** Errors (human-readable, with JSON pointer) for a request body of that operation; [] when valid or when the operation has no body parameter. */
  validateRequest(method: string, path: string, body: unknown): string[];
  /** Errors for a response body for that status; uses the 'default' response when the status is not listed (ARM ErrorResponse). [] when no schema. */
  validateResponse(method: string, path: string, status: number, body: unknown): string[];
}

export interface SpecValidatorOptions {
  /**
   * Also report properties that the (resolved, discriminated) model does not declare, for every
   * model that declares properties and is not a dictionary. Models with
   * `additionalProperties: false` in the spec are always closed. Default false.
   */
  rejectUnknownProperties?: boolean;
}

/** Folder of the swagger files inside the specs folder (see specs/README.md). */
export const SPEC_VERSION_DIR = path.join(
  'azure-ml',
  'resource-manager',
  'Microsoft.MachineLearningServices',
  'stable',
  '2024-10-01',
);

/** The input files of tag package-2024-10. */
export const SPEC_FILES = [
  'machineLearningServices.json',
  'mfe.json',
  'registries.json',
  'workspaceFeatures.json',
  'workspaceRP.json',
] as const;

const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;
const SCHEMA_IDS: Record<Direction, string> = {
  request: 'https://amlops.local/azure-ml-2024-10-01/request.json',
  response: 'https://amlops.local/azure-ml-2024-10-01/response.json',
};

interface OperationInfo {
  operationId: string;
  method: string;
  pathTemplate: string;
  /** `$defs` key of the body schema, when the operation has a body parameter with a schema. */
  body?: { key: string; required: boolean };
  /** status ('200', 'default', ...) -> `$defs` key of its schema, or undefined when it has none. */
  responses: Map<string, string | undefined>;
}

export async function loadSpecValidator(specDir: string, options: SpecValidatorOptions = {}): Promise<SpecValidator> {
  const versionDir = path.resolve(specDir, SPEC_VERSION_DIR);
  const files = SPEC_FILES.map((f) => path.join(versionDir, f));
  const docs = await SpecDocuments.load(files);

  const operations: OperationInfo[] = [];
  const requestSources: SchemaSource[] = [];
  const responseSources: SchemaSource[] = [];
  for (const file of files) {
    const doc = docs.document(file);
    const paths = isObject(doc) && isObject(doc.paths) ? doc.paths : {};
    for (const [pathTemplate, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!isObject(op)) continue;
        const operationId = typeof op.operationId === 'string' ? op.operationId : `${method} ${pathTemplate}`;
        const keyBase = `op.${operationId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
        const info: OperationInfo = { operationId, method, pathTemplate, responses: new Map() };

        const params = [...asArray(item.parameters), ...asArray(op.parameters)].map((p) => deref(docs, p, file));
        // Operation-level parameters come last and override path-level ones.
        const body = params.findLast((p) => p.value.in === 'body');
        if (body && isObject(body.value.schema)) {
          const key = `${keyBase}.request`;
          requestSources.push({ key, file: body.file, schema: body.value.schema });
          info.body = { key, required: body.value.required === true };
        }
        const responses = isObject(op.responses) ? op.responses : {};
        for (const [status, raw] of Object.entries(responses)) {
          const response = deref(docs, raw, file);
          if (isObject(response.value.schema)) {
            const key = `${keyBase}.${status.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
            responseSources.push({ key, file: response.file, schema: response.value.schema });
            info.responses.set(status, key);
          } else {
            info.responses.set(status, undefined);
          }
        }
        operations.push(info);
      }
    }
  }

  const builder = new SchemaBuilder(docs, { rejectUnknownProperties: options.rejectUnknownProperties === true });
  const requestDefs = builder.build('request', requestSources);
  const responseDefs = builder.build('response', responseSources);

  const ajv = new Ajv2019({
    allErrors: true,
    strict: false,
    verbose: true,
    validateSchema: false,
    unicodeRegExp: false,
    formats: formatsFor(builder.formats),
    logger: false,
  });
  ajv.addKeyword({ keyword: DISCRIMINATOR_KEYWORD, schemaType: 'object', errors: true, validate: checkDiscriminator });
  ajv.addSchema({ $id: SCHEMA_IDS.request, $defs: requestDefs });
  ajv.addSchema({ $id: SCHEMA_IDS.response, $defs: responseDefs });

  const matcher = new PathMatcher(
    operations.map((op) => ({ method: op.method, pathTemplate: op.pathTemplate, value: op })),
  );
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (direction: Direction, key: string): ValidateFunction => {
    const id = `${SCHEMA_IDS[direction]}#/$defs/${key}`;
    let validate = compiled.get(id);
    if (!validate) {
      validate = ajv.compile({ $ref: id });
      compiled.set(id, validate);
    }
    return validate;
  };
  const run = (direction: Direction, key: string, body: unknown): string[] => {
    const validate = validatorFor(direction, key);
    return validate(body) ? [] : formatErrors(validate.errors ?? [], builder.schemaNames);
  };
  const noOperation = (method: string, p: string): string[] => [
    `no operation in the Azure ML spec for ${method.toUpperCase()} ${p}`,
  ];

  return {
    findOperation(method, p) {
      const route = matcher.match(method, p);
      return route ? { operationId: route.value.operationId, pathTemplate: route.pathTemplate } : undefined;
    },

    validateRequest(method, p, body) {
      const route = matcher.match(method, p);
      if (!route) return noOperation(method, p);
      const spec = route.value.body;
      if (!spec) return [];
      if (body === undefined) return spec.required ? ['(root): the request body is required'] : [];
      return run('request', spec.key, body);
    },

    validateResponse(method, p, status, body) {
      const route = matcher.match(method, p);
      if (!route) return noOperation(method, p);
      const responses = route.value.responses;
      const statusKey = String(status);
      const listed = responses.has(statusKey) ? statusKey : responses.has('default') ? 'default' : undefined;
      if (listed === undefined) {
        return [
          `status ${status} is not a response of ${route.value.operationId} (${[...responses.keys()].join(', ')})`,
        ];
      }
      const key = responses.get(listed);
      if (key === undefined) return [];
      if (body === undefined) return [`(root): the ${listed} response of ${route.value.operationId} must have a body`];
      return run('response', key, body);
    },
  };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Follows `$ref` chains of parameters/responses; returns the object and the file it lives in. */
function deref(docs: SpecDocuments, value: unknown, file: string): { value: JsonObject; file: string } {
  let current = value;
  let currentFile = file;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${current.$ref} in ${currentFile}`);
    const target = docs.resolve(current.$ref, currentFile);
    current = target.value;
    currentFile = target.file;
  }
  return { value: isObject(current) ? current : {}, file: currentFile };
}

/** The `x-amlops-discriminator` keyword: the object must carry a known discriminator value. */
const checkDiscriminator: SchemaValidateFunction = (
  schema: DiscriminatorKeyword,
  data: unknown,
  _parentSchema,
  cxt,
) => {
  const base = cxt?.instancePath ?? '';
  const expected = `${schema.model}.${schema.property} is one of ${schema.values.join(', ')}`;
  const fail = (instancePath: string, message: string, params: Record<string, unknown>): boolean => {
    checkDiscriminator.errors = [{ keyword: DISCRIMINATOR_KEYWORD, instancePath, message, params }];
    return false;
  };
  if (!isObject(data)) {
    return fail(base, `must be object (${schema.model}); got ${describe(data)}`, { type: 'object' });
  }
  const value = data[schema.property];
  if (value === undefined) {
    return fail(`${base}/${escapeToken(schema.property)}`, `discriminator property is required (${expected})`, {
      missingProperty: schema.property,
    });
  }
  if (typeof value !== 'string' || !schema.values.includes(value)) {
    return fail(
      `${base}/${escapeToken(schema.property)}`,
      `unknown discriminator value ${preview(value)} (${expected})`,
      {
        allowedValues: schema.values,
      },
    );
  }
  return true;
};

function formatErrors(errors: readonly ErrorObject[], names: WeakMap<object, string>): string[] {
  const lines: string[] = [];
  for (const err of errors) {
    // `if` errors only say "must match then/else schema"; the branch's own errors carry the detail.
    if (err.keyword === 'if') continue;
    const params = err.params as Record<string, unknown>;
    const owner = isObject(err.parentSchema) ? names.get(err.parentSchema) : undefined;
    const inModel = owner ? ` (${owner})` : '';
    let pointer = err.instancePath;
    let message: string;
    switch (err.keyword) {
      case 'required':
        pointer += `/${escapeToken(String(params.missingProperty))}`;
        message = `required property is missing${inModel}`;
        break;
      case 'unevaluatedProperties':
      case 'additionalProperties': {
        const name = params.unevaluatedProperty ?? params.additionalProperty;
        pointer += `/${escapeToken(String(name))}`;
        message = `property is not declared by ${owner ?? 'the schema'}`;
        break;
      }
      case 'enum':
        message = `must be one of ${(params.allowedValues as unknown[]).map(preview).join(', ')}; got ${preview(err.data)}`;
        break;
      case 'const':
        message = `must be ${preview(params.allowedValue)}; got ${preview(err.data)}`;
        break;
      case 'type':
        message = `must be ${String(params.type)}; got ${describe(err.data)}`;
        break;
      case 'format':
        message = `must be a valid '${String(params.format)}'; got ${preview(err.data)}`;
        break;
      case 'pattern':
        message = `must match pattern ${String(params.pattern)}; got ${preview(err.data)}`;
        break;
      default:
        message = `${err.message ?? err.keyword}${err.keyword === DISCRIMINATOR_KEYWORD ? '' : `; got ${preview(err.data)}`}`;
    }
    const line = `${pointer === '' ? '(root)' : pointer}: ${message}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return `${typeof value} ${preview(value)}`;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
