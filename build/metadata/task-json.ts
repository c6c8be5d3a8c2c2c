import {
  camelCase,
  type InputDeclaration,
  type InputType,
  type StepDeclaration,
} from '../../shared/declarations/types';
import { describeInput, inputsFor } from './faces';

/** The input carrying the AzureRM service connection; Microsoft's Azure tasks call it azureSubscription too. */
export const SERVICE_CONNECTION_INPUT = 'azure-subscription';

const TYPES: Record<InputType, string> = {
  string: 'string',
  boolean: 'boolean',
  // ADO's 'int' rejects pipeline variables such as $(nodes) in the classic editor; we parse strictly ourselves.
  number: 'string',
  duration: 'string',
  choice: 'pickList',
  file: 'filePath',
  multiline: 'multiLine',
};

const GROUPS = [
  { name: 'connection', displayName: 'Azure connection', isExpanded: true },
  { name: 'advanced', displayName: 'Advanced', isExpanded: false },
] as const;

function taskInput(input: InputDeclaration): Record<string, unknown> {
  const isConnection = input.name === SERVICE_CONNECTION_INPUT;
  const out: Record<string, unknown> = {
    // Microsoft's Azure tasks name this input connectedServiceNameARM with alias azureSubscription;
    // ours is named azureSubscription outright, so YAML reads the same and an alias would repeat the name.
    name: camelCase(input.name),
    label: label(input),
    type: isConnection ? 'connectedService:AzureRM' : TYPES[input.type],
  };
  if (input.default !== undefined) out.defaultValue = input.default;
  out.required = input.required ?? false;
  out.helpMarkDown = describeInput(input);
  if (input.group) out.groupName = input.group;
  if (input.type === 'choice') out.options = Object.fromEntries((input.options ?? []).map((o) => [o, o]));
  return out;
}

/** 'resource-group' -> 'Resource group'. */
function label(input: InputDeclaration): string {
  if (input.name === SERVICE_CONNECTION_INPUT) return 'Azure subscription';
  const words = input.name.split('-').map((w) => (/^(id|url|arm|vm)$/.test(w) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** tasks/Aml<Pascal>V1/task.json. */
export function renderTaskJson(decl: StepDeclaration): string {
  const inputs = inputsFor(decl, 'azure-devops');
  const usedGroups = GROUPS.filter((g) => inputs.some((i) => i.group === g.name));
  const task = {
    $schema: 'https://raw.githubusercontent.com/Microsoft/azure-pipelines-task-lib/master/tasks.schema.json',
    id: decl.taskId,
    name: `Aml${decl.pascal}`,
    friendlyName: decl.title,
    description: decl.description,
    helpMarkDown: `Generated from the amlops step declaration \`${decl.id}\`. See the amlops README for every input.`,
    author: 'amlops',
    category: 'Deploy',
    visibility: ['Build', 'Release'],
    runsOn: ['Agent'],
    version: { Major: decl.version.major, Minor: decl.version.minor, Patch: decl.version.patch },
    // Agents older than this lack the Node20_1 handler; agents that know Node24 prefer it.
    minimumAgentVersion: '3.232.1',
    instanceNameFormat: decl.title,
    groups: usedGroups,
    inputs: inputs.map(taskInput),
    outputVariables: decl.outputs.map((o) => ({ name: camelCase(o.name), description: o.description })),
    execution: { Node20_1: { target: 'index.js' }, Node24: { target: 'index.js' } },
  };
  return `${JSON.stringify(task, null, 2)}\n`;
}
