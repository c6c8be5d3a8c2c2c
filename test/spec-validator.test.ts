import { promises as fs, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSpecValidator, SPEC_FILES, SPEC_VERSION_DIR, type SpecValidator } from '../emulator/spec-validator';

const SPEC_DIR = path.resolve(__dirname, '..', '..', 'shared', 'specs');
const VERSION_DIR = path.join(SPEC_DIR, SPEC_VERSION_DIR);

type Json = Record<string, unknown>;

const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
const clone = <T>(v: T): T => structuredClone(v);

const WS =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/dev';

// ---------------------------------------------------------------------------------------------
// x-ms-examples that exist in the copy, paired with their operation through the swagger mapping.

interface ExampleCase {
  name: string;
  operationId: string;
  method: string;
  pathTemplate: string;
  file: string;
  bodyParameter?: string;
  example: Json;
}

function resolveParameter(param: Json, swaggerFile: string): Json {
  if (typeof param.$ref !== 'string') return param;
  const [fileRef, pointer] = param.$ref.split('#');
  const file = fileRef ? path.resolve(path.dirname(swaggerFile), fileRef) : swaggerFile;
  const name = pointer.split('/').pop() as string;
  return (readJson(file).parameters as Record<string, Json>)[name];
}

function collectExamples(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  for (const swaggerName of SPEC_FILES) {
    const swaggerFile = path.join(VERSION_DIR, swaggerName);
    const swagger = readJson(swaggerFile);
    for (const [pathTemplate, item] of Object.entries(swagger.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) {
        const examples = (op['x-ms-examples'] ?? {}) as Record<string, { $ref: string }>;
        for (const [title, ref] of Object.entries(examples)) {
          const file = path.resolve(VERSION_DIR, ref.$ref);
          if (!existsSync(file)) continue; // only a selection of the upstream examples is part of the copy
          const body = ((op.parameters ?? []) as Json[])
            .map((p) => resolveParameter(p, swaggerFile))
            .find((p) => p.in === 'body');
          cases.push({
            name: `${op.operationId as string}: ${title} (${path.relative(VERSION_DIR, file)})`,
            operationId: op.operationId as string,
            method,
            pathTemplate,
            file,
            bodyParameter: body?.name as string | undefined,
            example: readJson(file),
          });
        }
      }
    }
  }
  return cases;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** The concrete request path of an example: the template with the example's parameter values. */
function concretePath(c: ExampleCase): string {
  const params = c.example.parameters as Record<string, unknown>;
  return c.pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${c.file}: no value for path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

const examples = collectExamples();
const exampleFile = (relative: string): ExampleCase => {
  const found = examples.find((c) => c.file === path.join(VERSION_DIR, 'examples', relative));
  if (!found) throw new Error(`example not paired: ${relative}`);
  return found;
};
const requestBodyOf = (c: ExampleCase): Json => (c.example.parameters as Json)[c.bodyParameter as string] as Json;
const responseBodyOf = (c: ExampleCase, status: string): Json =>
  (c.example.responses as Record<string, Json>)[status].body as Json;

let validator: SpecValidator;
let strict: SpecValidator;
let loadMs = 0;

beforeAll(async () => {
  const started = performance.now();
  validator = await loadSpecValidator(SPEC_DIR);
  loadMs = performance.now() - started;
  strict = await loadSpecValidator(SPEC_DIR, { rejectUnknownProperties: true });
});

describe('loading', () => {
  it('loads the five 2024-10-01 swaggers in well under 3 s', () => {
    expect(loadMs).toBeLessThan(3000);
  });

  it('pairs every example file of the copy with an operation', () => {
    const onDisk = listFiles(path.join(VERSION_DIR, 'examples')).filter((f) => f.endsWith('.json'));
    const paired = new Set(examples.map((c) => c.file));
    expect(onDisk.length).toBeGreaterThanOrEqual(41);
    expect(onDisk.filter((f) => !paired.has(f))).toEqual([]);
  });
});

describe('x-ms-examples validate against their operation', () => {
  it.each(examples.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = concretePath(c);
    expect(validator.findOperation(c.method, p)).toEqual({ operationId: c.operationId, pathTemplate: c.pathTemplate });

    const problems: string[] = [];
    if (c.bodyParameter !== undefined) {
      const body = (c.example.parameters as Json)[c.bodyParameter];
      expect(body).toBeDefined();
      problems.push(...validator.validateRequest(c.method, p, body).map((e) => `request: ${e}`));
      problems.push(...strict.validateRequest(c.method, p, body).map((e) => `request (strict): ${e}`));
      // A body of the wrong shape must not pass: guards against a no-op validator.
      expect(validator.validateRequest(c.method, p, 'not an object')).not.toEqual([]);
    }
    const responses = c.example.responses as Record<string, Json>;
    expect(Object.keys(responses).length).toBeGreaterThan(0);
    for (const [status, response] of Object.entries(responses)) {
      problems.push(
        ...validator.validateResponse(c.method, p, Number(status), response.body).map((e) => `${status}: ${e}`),
      );
      problems.push(
        ...strict.validateResponse(c.method, p, Number(status), response.body).map((e) => `${status} (strict): ${e}`),
      );
      if (response.body !== undefined && typeof response.body === 'object') {
        expect(validator.validateResponse(c.method, p, Number(status), 42)).not.toEqual([]);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('findOperation', () => {
  it.each([
    ['GET', `${WS}`, 'Workspaces_Get'],
    ['PUT', `${WS}/computes/c1`, 'Compute_CreateOrUpdate'],
    ['POST', `${WS}/datastores/workspaceblobstore/listSecrets`, 'Datastores_ListSecrets'],
    ['PUT', `${WS}/jobs/job-1`, 'Jobs_CreateOrUpdate'],
    ['POST', `${WS}/jobs/job-1/cancel`, 'Jobs_Cancel'],
    [
      'GET',
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/registries/reg1',
      'Registries_Get',
    ],
    ['GET', '/subscriptions/s/providers/Microsoft.MachineLearningServices/workspaces', 'Workspaces_ListBySubscription'],
  ])('%s %s -> %s', (method, p, operationId) => {
    expect(validator.findOperation(method, p)?.operationId).toBe(operationId);
  });

  it('ignores case, query string, host and trailing slash; returns the template', () => {
    const p = `${WS}/COMPUTES/c1/`.toLowerCase();
    expect(validator.findOperation('put', `https://management.azure.com${p}?api-version=2024-10-01`)).toEqual({
      operationId: 'Compute_CreateOrUpdate',
      pathTemplate:
        '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}/computes/{computeName}',
    });
  });

  it('returns undefined for paths or methods the spec does not have', () => {
    expect(validator.findOperation('GET', `${WS}/notAThing/x`)).toBeUndefined();
    expect(validator.findOperation('GET', '/subscriptions/s/resourceGroups/rg')).toBeUndefined();
    expect(validator.findOperation('DELETE', `${WS}/datastores/d/listSecrets`)).toBeUndefined();
    expect(validator.findOperation('GET', `${WS}//computes/c1`)).toBeUndefined();
    expect(validator.validateRequest('PUT', `${WS}/notAThing/x`, {})).toEqual([
      expect.stringContaining('no operation in the Azure ML spec'),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('mutated request bodies are rejected', () => {
  const compute = (): { p: string; body: Json } => {
    const c = exampleFile('Compute/createOrUpdate/BasicAmlCompute.json');
    return { p: concretePath(c), body: clone(requestBodyOf(c)) };
  };
  const props = (body: Json): Json => body.properties as Json;
  const amlProps = (body: Json): Json => props(body).properties as Json;

  it('unknown discriminator value (computeType Bogus)', () => {
    const { p, body } = compute();
    props(body).computeType = 'Bogus';
    const errors = validator.validateRequest('PUT', p, body);
    expect(errors).toEqual([
      expect.stringMatching(/^\/properties\/computeType: unknown discriminator value "Bogus".*AmlCompute/),
    ]);
  });

  it('missing discriminator property', () => {
    const { p, body } = compute();
    delete props(body).computeType;
    expect(validator.validateRequest('PUT', p, body)).toEqual([
      expect.stringMatching(/^\/properties\/computeType: discriminator property is required/),
    ]);
  });

  it('discriminated subtype is applied (AmlCompute properties checked)', () => {
    const { p, body } = compute();
    (amlProps(body).scaleSettings as Json).maxNodeCount = 'four';
    amlProps(body).vmPriority = 'Urgent';
    (amlProps(body).scaleSettings as Json).nodeIdleTimeBeforeScaleDown = 'five minutes';
    const errors = validator.validateRequest('PUT', p, body);
    expect(errors).toEqual(
      expect.arrayContaining([
        '/properties/properties/scaleSettings/maxNodeCount: must be integer; got string "four"',
        expect.stringMatching(
          /^\/properties\/properties\/vmPriority: must be one of "Dedicated", "LowPriority"; got "Urgent"/,
        ),
        expect.stringMatching(
          /^\/properties\/properties\/scaleSettings\/nodeIdleTimeBeforeScaleDown: must be a valid 'duration'/,
        ),
      ]),
    );
    expect(errors).toHaveLength(3);
  });

  it('wrong type at the root and for a nested object', () => {
    const { p, body } = compute();
    expect(validator.validateRequest('PUT', p, [])).toEqual(['(root): must be object; got array']);
    body.properties = 'AmlCompute';
    expect(validator.validateRequest('PUT', p, body)).toEqual([expect.stringMatching(/^\/properties: must be object/)]);
  });

  it('missing required property (job command, job properties)', () => {
    const c = exampleFile('Job/CommandJob/createOrUpdate.json');
    const p = concretePath(c);
    const body = clone(requestBodyOf(c));
    delete props(body).command;
    delete props(body).environmentId;
    expect(validator.validateRequest('PUT', p, body).sort()).toEqual([
      '/properties/command: required property is missing (CommandJob)',
      '/properties/environmentId: required property is missing (CommandJob)',
    ]);
    expect(validator.validateRequest('PUT', p, {})).toEqual([
      '/properties: required property is missing (JobBaseResource)',
    ]);
  });

  it('unknown job type and wrong enum in a nested polymorphic model', () => {
    const c = exampleFile('Job/SweepJob/createOrUpdate.json');
    const p = concretePath(c);
    const body = clone(requestBodyOf(c));
    props(body).jobType = 'Bogus';
    expect(validator.validateRequest('PUT', p, body)).toEqual([
      expect.stringMatching(/^\/properties\/jobType: unknown discriminator value "Bogus"/),
    ]);
    const body2 = clone(requestBodyOf(c));
    (props(body2).samplingAlgorithm as Json).samplingAlgorithmType = 'Exhaustive';
    expect(validator.validateRequest('PUT', p, body2)).toEqual([
      expect.stringMatching(
        /^\/properties\/samplingAlgorithm\/samplingAlgorithmType: unknown discriminator value "Exhaustive"/,
      ),
    ]);
  });

  it('a model with additionalProperties:false rejects undeclared properties even by default, inherited ones pass', () => {
    const c = exampleFile('Job/CommandJob/createOrUpdate.json');
    const p = concretePath(c);
    const body = clone(requestBodyOf(c));
    // description/tags are inherited from ResourceBase; `command` is CommandJob's own.
    expect(props(body).description).toBeDefined();
    props(body).notInTheSpec = true;
    expect(validator.validateRequest('PUT', p, body)).toEqual([
      '/properties/notInTheSpec: property is not declared by CommandJob',
    ]);
  });

  it('rejectUnknownProperties closes open models; dictionaries stay open', () => {
    const { p, body } = compute();
    amlProps(body).notInTheSpec = 1;
    body.tags = { anything: 'goes' };
    expect(validator.validateRequest('PUT', p, body)).toEqual([]);
    expect(strict.validateRequest('PUT', p, body)).toEqual([
      '/properties/properties/notInTheSpec: property is not declared by AmlComputeProperties',
    ]);
  });

  it('readOnly properties may be sent in requests', () => {
    const { p, body } = compute();
    Object.assign(body, { id: `${p}`, name: 'c', type: 'Microsoft.MachineLearningServices/workspaces/computes' });
    props(body).provisioningState = 'Succeeded';
    expect(strict.validateRequest('PUT', p, body)).toEqual([]);
  });

  it('x-nullable: null only where the spec allows it', () => {
    const { p, body } = compute();
    amlProps(body).virtualMachineImage = null; // x-nullable: true
    expect(validator.validateRequest('PUT', p, body)).toEqual([]);
    amlProps(body).vmSize = null; // not nullable
    expect(validator.validateRequest('PUT', p, body)).toEqual([
      '/properties/properties/vmSize: must be string; got null',
    ]);
  });

  it('a missing required body is reported; operations without body accept anything', () => {
    const { p } = compute();
    expect(validator.validateRequest('PUT', p, undefined)).toEqual(['(root): the request body is required']);
    expect(validator.validateRequest('GET', p, undefined)).toEqual([]);
    expect(validator.validateRequest('POST', `${WS}/datastores/d/listSecrets`, undefined)).toEqual([]);
  });
});

describe('mutated response bodies are rejected', () => {
  it('datastore listSecrets: unknown secretsType and wrong type', () => {
    const c = exampleFile('Datastore/listSecrets.json');
    const p = concretePath(c);
    expect(validator.validateResponse('POST', p, 200, { secretsType: 'Bogus' })).toEqual([
      expect.stringMatching(
        /^\/secretsType: unknown discriminator value "Bogus" \(DatastoreSecrets\.secretsType is one of .*AccountKey/,
      ),
    ]);
    expect(validator.validateResponse('POST', p, 200, { secretsType: 'AccountKey', key: 5 })).toEqual([
      '/key: must be string; got number 5',
    ]);
  });

  it('readOnly properties are accepted in responses; write-only secrets are not required there', () => {
    const c = exampleFile('Datastore/get.json');
    const p = concretePath(c);
    const body = clone(responseBodyOf(c, '200'));
    const credentials = (body.properties as Json).credentials as Json;
    delete credentials.secrets; // required on create, x-ms-mutability without "read"
    expect(validator.validateResponse('GET', p, 200, body)).toEqual([]);
    expect(validator.validateRequest('PUT', p, { properties: body.properties })).toEqual([
      '/properties/credentials/secrets: required property is missing (AccountKeyDatastoreCredentials)',
    ]);
  });

  it('workspace get: formats and nested types are checked', () => {
    const c = exampleFile('Workspace/get.json');
    const p = concretePath(c);
    const body = clone(responseBodyOf(c, '200'));
    body.systemData = { createdAt: 'yesterday', createdByType: 'Robot' };
    (body.properties as Json).hbiWorkspace = 'false';
    (body.identity as Json).principalId = 'not-a-uuid';
    expect(validator.validateResponse('GET', p, 200, body).sort()).toEqual([
      '/identity/principalId: must be a valid \'uuid\'; got "not-a-uuid"',
      '/properties/hbiWorkspace: must be boolean; got string "false"',
      '/systemData/createdAt: must be a valid \'date-time\'; got "yesterday"',
      expect.stringMatching(
        /^\/systemData\/createdByType: must be one of "User", "Application", "ManagedIdentity", "Key"; got "Robot"/,
      ),
    ]);
  });

  it('unlisted status codes use the default ErrorResponse; statuses without schema accept anything', () => {
    const p = `${WS}/jobs/j1`;
    const error = { error: { code: 'NotFound', message: 'The job j1 was not found.' } };
    expect(validator.validateResponse('GET', p, 404, error)).toEqual([]);
    expect(validator.validateResponse('GET', p, 404, { error: { code: 404 } })).toEqual([
      '/error/code: must be string; got number 404',
    ]);
    expect(validator.validateResponse('DELETE', p, 202, undefined)).toEqual([]);
    expect(validator.validateResponse('DELETE', p, 204, 'anything')).toEqual([]);
    expect(validator.validateResponse('GET', p, 200, undefined)).toEqual([
      '(root): the 200 response of Jobs_Get must have a body',
    ]);
  });

  it('list responses validate each item (polymorphic items in arrays)', () => {
    const c = exampleFile('Workspace/ModelVersion/list.json');
    const p = concretePath(c);
    const body = clone(responseBodyOf(c, '200'));
    const items = body.value as Json[];
    expect(items.length).toBeGreaterThan(0);
    (items[0].properties as Json).isArchived = 'no';
    expect(validator.validateResponse('GET', p, 200, body)).toEqual([
      '/value/0/properties/isArchived: must be boolean; got string "no"',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// A small synthetic spec in the same folder layout: features the real files lack (readOnly
// required properties, multi-level inheritance, circular models, cross-file parameters).

const SYNTHETIC_MAIN = {
  swagger: '2.0',
  info: { title: 'synthetic', version: '2024-10-01' },
  paths: {
    '/things/{name}': {
      get: {
        operationId: 'Things_Get',
        parameters: [{ $ref: '#/parameters/NameParameter' }],
        responses: {
          '200': { description: 'ok', schema: { $ref: '#/definitions/Thing' } },
          default: {
            description: 'error',
            schema: {
              $ref: '../../../../../common-types/resource-management/v3/types.json#/definitions/ErrorResponse',
            },
          },
        },
      },
      put: {
        operationId: 'Things_Put',
        parameters: [
          { $ref: '#/parameters/NameParameter' },
          { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Thing' } },
        ],
        responses: {
          '200': { description: 'ok', schema: { $ref: '#/definitions/Thing' } },
          '202': { description: 'accepted' },
        },
      },
    },
    '/things/special': {
      get: { operationId: 'Things_GetSpecial', parameters: [], responses: { '200': { description: 'ok' } } },
    },
    '/things/{name}/shapes': {
      post: {
        operationId: 'Things_AddShapes',
        parameters: [{ $ref: '#/parameters/NameParameter' }, { $ref: 'mfe.json#/parameters/ShapesBody' }],
        responses: {
          '200': { description: 'ok', schema: { type: 'array', items: { $ref: 'mfe.json#/definitions/ShapeRef' } } },
        },
      },
    },
  },
  parameters: { NameParameter: { in: 'path', name: 'name', required: true, type: 'string' } },
  definitions: {
    Thing: {
      type: 'object',
      required: ['id', 'name', 'shape', 'secret'],
      properties: {
        id: { type: 'string', readOnly: true },
        name: { type: 'string' },
        shape: { $ref: '#/definitions/Shape' },
        secret: { type: 'string', 'x-ms-secret': true, 'x-ms-mutability': ['create', 'update'] },
        timeout: { type: 'string', format: 'duration' },
        count: { type: 'integer', format: 'int32', minimum: 0 },
        createdAt: { type: 'string', format: 'date-time' },
        owner: { type: 'string', format: 'uuid' },
        link: { type: 'string', format: 'arm-id' },
        pwd: { type: 'string', format: 'password' },
        data: { type: 'string', format: 'byte' },
        home: { type: 'string', format: 'uri' },
        note: { type: 'string', 'x-nullable': true },
        parent: { $ref: '#/definitions/Thing' },
        tags: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    Shape: {
      type: 'object',
      discriminator: 'kind',
      required: ['kind'],
      properties: { kind: { type: 'string' }, label: { type: 'string' } },
    },
    Circle: {
      allOf: [{ $ref: '#/definitions/Shape' }],
      'x-ms-discriminator-value': 'circle',
      required: ['radius'],
      properties: { radius: { type: 'number', minimum: 0 } },
      additionalProperties: false,
    },
    Polygon: { allOf: [{ $ref: '#/definitions/Shape' }], properties: { sides: { type: 'integer' } } },
    Square: {
      allOf: [{ $ref: '#/definitions/Polygon' }],
      'x-ms-discriminator-value': 'square',
      properties: { size: { type: 'number' } },
    },
  },
};

const SYNTHETIC_MFE = {
  swagger: '2.0',
  info: { title: 'synthetic', version: '2024-10-01' },
  paths: {},
  parameters: {
    ShapesBody: {
      in: 'body',
      name: 'shapes',
      required: true,
      schema: { type: 'array', items: { $ref: '#/definitions/ShapeRef' } },
    },
  },
  definitions: {
    ShapeRef: { type: 'object', properties: { shape: { $ref: 'machineLearningServices.json#/definitions/Shape' } } },
  },
};

const EMPTY_SWAGGER = {
  swagger: '2.0',
  info: { title: 'synthetic', version: '2024-10-01' },
  paths: {},
  definitions: {},
};

const SYNTHETIC_TYPES = {
  swagger: '2.0',
  info: { title: 'types', version: '3.0' },
  paths: {},
  definitions: {
    ErrorResponse: { type: 'object', properties: { error: { $ref: './types.json#/definitions/ErrorDetail' } } },
    ErrorDetail: {
      type: 'object',
      properties: {
        code: { type: 'string', readOnly: true },
        details: { type: 'array', items: { $ref: '#/definitions/ErrorDetail' } },
      },
    },
  },
};

describe('synthetic spec: Swagger 2.0 / Azure semantics', () => {
  let dir: string;
  let v: SpecValidator;
  let vs: SpecValidator;
  const thing = (extra: Json = {}): Json => ({
    name: 'a',
    secret: 's',
    shape: { kind: 'circle', radius: 1 },
    ...extra,
  });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spec-validator-'));
    const versionDir = path.join(dir, SPEC_VERSION_DIR);
    const typesDir = path.join(dir, 'common-types', 'resource-management', 'v3');
    await fs.mkdir(versionDir, { recursive: true });
    await fs.mkdir(typesDir, { recursive: true });
    const files: Record<string, unknown> = {
      'machineLearningServices.json': SYNTHETIC_MAIN,
      'mfe.json': SYNTHETIC_MFE,
    };
    for (const f of SPEC_FILES) await fs.writeFile(path.join(versionDir, f), JSON.stringify(files[f] ?? EMPTY_SWAGGER));
    await fs.writeFile(path.join(typesDir, 'types.json'), JSON.stringify(SYNTHETIC_TYPES));
    v = await loadSpecValidator(dir);
    vs = await loadSpecValidator(dir, { rejectUnknownProperties: true });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('literal path segments win over parameters', () => {
    expect(v.findOperation('GET', '/things/special')?.operationId).toBe('Things_GetSpecial');
    expect(v.findOperation('GET', '/things/ordinary')?.operationId).toBe('Things_Get');
    expect(v.findOperation('GET', '/things')).toBeUndefined();
  });

  it('readOnly required properties: optional in requests, required in responses', () => {
    expect(v.validateRequest('PUT', '/things/a', thing())).toEqual([]);
    expect(v.validateResponse('PUT', '/things/a', 200, thing())).toEqual(['/id: required property is missing (Thing)']);
    expect(v.validateResponse('GET', '/things/a', 200, thing({ id: 'x' }))).toEqual([]);
  });

  it('secret (non-readable) required properties: required in requests, optional in responses', () => {
    const { secret: _secret, ...withoutSecret } = thing({ id: 'x' });
    expect(v.validateRequest('PUT', '/things/a', withoutSecret)).toEqual([
      '/secret: required property is missing (Thing)',
    ]);
    expect(v.validateResponse('GET', '/things/a', 200, withoutSecret)).toEqual([]);
  });

  it('discriminator: subtype by x-ms-discriminator-value, by name, grandchildren, unknown, missing', () => {
    const shape = (s: Json): string[] => v.validateRequest('PUT', '/things/a', thing({ shape: s }));
    expect(shape({ kind: 'circle', radius: 2, label: 'inherited property' })).toEqual([]);
    expect(shape({ kind: 'Polygon', sides: 3 })).toEqual([]);
    expect(shape({ kind: 'square', sides: 4, size: 2 })).toEqual([]);
    expect(shape({ kind: 'square', sides: 'four' })).toEqual(['/shape/sides: must be integer; got string "four"']);
    expect(shape({ kind: 'circle' })).toEqual(['/shape/radius: required property is missing (Circle)']);
    expect(shape({ kind: 'circle', radius: -1 })).toEqual(['/shape/radius: must be >= 0; got -1']);
    expect(shape({ kind: 'triangle' })).toEqual([
      '/shape/kind: unknown discriminator value "triangle" (Shape.kind is one of circle, Polygon, square)',
    ]);
    expect(shape({ radius: 1 })).toEqual([
      '/shape/kind: discriminator property is required (Shape.kind is one of circle, Polygon, square)',
    ]);
    expect(shape({ kind: 'Shape' })).toEqual([expect.stringContaining('unknown discriminator value "Shape"')]);
  });

  it('additionalProperties:false covers inherited properties only; rejectUnknownProperties closes the rest', () => {
    const shape = (val: SpecValidator, s: Json): string[] =>
      val.validateRequest('PUT', '/things/a', thing({ shape: s }));
    expect(shape(v, { kind: 'circle', radius: 1, sides: 3 })).toEqual([
      '/shape/sides: property is not declared by Circle',
    ]);
    expect(shape(v, { kind: 'square', size: 1, extra: true })).toEqual([]);
    expect(shape(vs, { kind: 'square', size: 1, extra: true })).toEqual([
      '/shape/extra: property is not declared by Square',
    ]);
    expect(v.validateRequest('PUT', '/things/a', thing({ extra: 1, tags: { k: 'v' } }))).toEqual([]);
    expect(vs.validateRequest('PUT', '/things/a', thing({ extra: 1, tags: { k: 'v' } }))).toEqual([
      '/extra: property is not declared by Thing',
    ]);
    expect(vs.validateRequest('PUT', '/things/a', thing({ tags: { k: 1 } }))).toEqual([
      '/tags/k: must be string; got number 1',
    ]);
  });

  it('formats: checked ones reject bad values, lenient ones accept any string', () => {
    const ok = thing({
      timeout: 'P1DT2H30M',
      count: 2147483647,
      createdAt: '2024-10-01T12:00:00.1234567Z',
      owner: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      link: 'not even an id',
      pwd: 'hunter2',
      data: 'not base64?',
      home: 'whatever',
    });
    expect(v.validateRequest('PUT', '/things/a', ok)).toEqual([]);
    const bad = thing({ timeout: '1 hour', count: 2147483648, createdAt: '2024-13-01T00:00:00Z', owner: 'nope' });
    expect(v.validateRequest('PUT', '/things/a', bad).sort()).toEqual([
      "/count: must be a valid 'int32'; got 2147483648",
      '/createdAt: must be a valid \'date-time\'; got "2024-13-01T00:00:00Z"',
      '/owner: must be a valid \'uuid\'; got "nope"',
      '/timeout: must be a valid \'duration\'; got "1 hour"',
    ]);
    expect(v.validateRequest('PUT', '/things/a', thing({ timeout: 'P' }))).toHaveLength(1);
    expect(v.validateRequest('PUT', '/things/a', thing({ timeout: 'PT' }))).toHaveLength(1);
  });

  it('x-nullable', () => {
    expect(v.validateRequest('PUT', '/things/a', thing({ note: null }))).toEqual([]);
    expect(v.validateRequest('PUT', '/things/a', thing({ note: 3 }))).toEqual(['/note: must be string; got number 3']);
    expect(v.validateRequest('PUT', '/things/a', thing({ name: null }))).toEqual(['/name: must be string; got null']);
  });

  it('circular models validate to any depth', () => {
    const deep = thing({
      parent: thing({ parent: thing({ parent: thing({ shape: { kind: 'circle', radius: 'big' } }) }) }),
    });
    expect(v.validateRequest('PUT', '/things/a', deep)).toEqual([
      '/parent/parent/parent/shape/radius: must be number; got string "big"',
    ]);
  });

  it('cross-file body parameter, inline array schemas and common-types default response', () => {
    const p = '/things/a/shapes';
    expect(v.validateRequest('POST', p, [{ shape: { kind: 'circle', radius: 1 } }])).toEqual([]);
    expect(v.validateRequest('POST', p, [{ shape: { kind: 'circle', radius: 1 } }, { shape: { kind: 'x' } }])).toEqual([
      expect.stringMatching(/^\/1\/shape\/kind: unknown discriminator value "x"/),
    ]);
    expect(v.validateResponse('POST', p, 200, [{ shape: { kind: 'Polygon' } }])).toEqual([]);
  });

  it('default response (common types, recursive ErrorDetail)', () => {
    expect(
      v.validateResponse('GET', '/things/a', 409, { error: { code: 'Conflict', details: [{ code: 'Inner' }] } }),
    ).toEqual([]);
    expect(v.validateResponse('GET', '/things/a', 409, { error: { details: [{ code: 1 }] } })).toEqual([
      '/error/details/0/code: must be string; got number 1',
    ]);
    expect(v.validateResponse('PUT', '/things/a', 202, undefined)).toEqual([]);
    expect(v.validateResponse('PUT', '/things/a', 409, {})).toEqual([
      expect.stringContaining('status 409 is not a response of Things_Put'),
    ]);
  });
});
