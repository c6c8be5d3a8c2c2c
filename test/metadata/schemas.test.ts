import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { parse } from 'yaml';
import { declarations } from '../../shared/declarations';

const root = path.join(__dirname, '..', '..');
const schemas = path.join(root, '..', 'shared', 'schemas');
const load = (file: string) => JSON.parse(fs.readFileSync(path.join(schemas, file), 'utf8'));
const explain = (errors: unknown) => JSON.stringify(errors, null, 2);

// The schemas come from SchemaStore and task-lib as published; strict mode would reject their own quirks.
const draft07 = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const draft04 = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false });
const validateAction = draft07.compile(load('github-action.json'));
const validateExtension = draft07.compile(load('vss-extension.json'));
const validateTask = draft04.compile(load('azure-pipelines-task.schema.json'));

describe.each(declarations.map((d) => [d.id, d] as const))(
  'metadata of %s against the official schemas',
  (_id, decl) => {
    it('action.yml', () => {
      const doc = parse(fs.readFileSync(path.join(root, 'actions', decl.id, 'action.yml'), 'utf8'));
      expect(validateAction(doc) || explain(validateAction.errors)).toBe(true);
    });

    it('task.json', () => {
      const task = JSON.parse(fs.readFileSync(path.join(root, 'tasks', `Aml${decl.pascal}V1`, 'task.json'), 'utf8'));
      expect(validateTask(task) || explain(validateTask.errors)).toBe(true);
      // Azure DevOps truncates longer names in the task picker (the schema says <= 40 but does not check it).
      expect(task.friendlyName.length).toBeLessThanOrEqual(40);
    });
  },
);

it('tasks/vss-extension.json against the extension manifest schema, one task contribution per step', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'tasks', 'vss-extension.json'), 'utf8'));
  expect(validateExtension(manifest) || explain(validateExtension.errors)).toBe(true);
  expect(manifest.contributions.map((c: { properties: { name: string } }) => c.properties.name)).toEqual(
    declarations.map((d) => `Aml${d.pascal}V1`),
  );
  expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(declarations.map((d) => `Aml${d.pascal}V1`));
});
