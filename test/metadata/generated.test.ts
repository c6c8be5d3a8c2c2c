import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { staleFiles } from '../../build/generate-metadata';
import { parseStepArgs } from '../../cli/args';
import { declarations } from '../../shared/declarations';
import { camelCase, type Face, type InputDeclaration } from '../../shared/declarations/types';

const root = path.join(__dirname, '..', '..');
const onFace = (i: InputDeclaration, face: Face) => !i.faces || i.faces.includes(face);

describe('generated metadata', () => {
  it('action.yml, task.json, vss-extension.json and the README step sections match shared/declarations', () => {
    const stale = staleFiles();
    if (stale.length) throw new Error(`stale generated files (run \`npm run generate\`):\n  ${stale.join('\n  ')}`);
  });

  describe.each(declarations.map((d) => [d.id, d] as const))('%s', (_id, decl) => {
    const action = parse(fs.readFileSync(path.join(root, 'actions', decl.id, 'action.yml'), 'utf8'));
    const task = JSON.parse(fs.readFileSync(path.join(root, 'tasks', `Aml${decl.pascal}V1`, 'task.json'), 'utf8'));

    it('every input is on exactly the faces it declares', () => {
      const taskInputs = new Set(task.inputs.map((i: { name: string }) => i.name));
      for (const input of decl.inputs) {
        expect([input.name, input.name in action.inputs]).toEqual([input.name, onFace(input, 'github')]);
        expect([input.name, taskInputs.has(camelCase(input.name))]).toEqual([
          input.name,
          onFace(input, 'azure-devops'),
        ]);
        const cli = () => parseStepArgs(decl, [`--${input.name}=${input.type === 'boolean' ? 'true' : 'x'}`]);
        if (onFace(input, 'cli'))
          expect(cli().inputs).toEqual({ [input.name]: input.type === 'boolean' ? 'true' : 'x' });
        else expect(cli).toThrow(/not available on the command line/);
      }
      expect(Object.keys(action.inputs)).toHaveLength(decl.inputs.filter((i) => onFace(i, 'github')).length);
      expect(taskInputs.size).toBe(decl.inputs.filter((i) => onFace(i, 'azure-devops')).length);
    });

    it('every output is on both CI faces', () => {
      expect(Object.keys(action.outputs)).toEqual(decl.outputs.map((o) => o.name));
      expect(task.outputVariables.map((o: { name: string }) => o.name)).toEqual(
        decl.outputs.map((o) => camelCase(o.name)),
      );
    });

    it('the action runs the shared dist entry of this step on node24, and that entry exists', () => {
      expect(action.runs).toEqual({ using: 'node24', main: `../dist/${decl.id}.js` });
      expect(fs.existsSync(path.join(root, 'actions', decl.id, action.runs.main))).toBe(true);
    });

    it('the task runs index.js on the Node20_1 and Node24 handlers', () => {
      expect(task.execution).toEqual({ Node20_1: { target: 'index.js' }, Node24: { target: 'index.js' } });
    });

    it('input names cannot collide with the CLI global options', () => {
      for (const input of decl.inputs)
        expect(['json', 'debug', 'help', 'summary-file', 'version']).not.toContain(input.name);
    });
  });
});
