import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Face, InputDeclaration, StepDeclaration } from '../../shared/declarations/types';
import { root } from '../paths';

export const onFace = (input: InputDeclaration, face: Face): boolean => !input.faces || input.faces.includes(face);

export const inputsFor = (decl: StepDeclaration, face: Face): InputDeclaration[] =>
  decl.inputs.filter((i) => onFace(i, face));

/** Where a step's declaration lives, for "generated from" headers. */
export function declarationFile(decl: StepDeclaration): string {
  const file = `shared/declarations/${decl.id}.ts`;
  return fs.existsSync(path.join(root, file)) ? file : `shared/declarations (step '${decl.id}')`;
}

/** A description plus what a type alone does not say (options, format), for docs and tooltips. */
export function describeInput(input: InputDeclaration): string {
  let text = input.description;
  if (input.type === 'choice' && input.options?.length && !input.options.every((o) => text.includes(o))) {
    text += ` One of: ${input.options.join(', ')}.`;
  }
  if (input.type === 'boolean' && !/true|false/.test(text)) text += ' `true` or `false`.';
  return text;
}
