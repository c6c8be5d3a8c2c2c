/**
 * One declaration per step. It generates actions/<step>/action.yml, tasks/Aml<Step>V1/task.json and
 * the step's README section, and it drives input parsing on every face, so the three never drift.
 */
export type InputType = 'string' | 'boolean' | 'number' | 'duration' | 'choice' | 'file' | 'multiline';

export type Face = 'github' | 'azure-devops' | 'cli';

export interface InputDeclaration {
  /** kebab-case; ADO uses the camelCase form, the CLI `--name`. */
  name: string;
  description: string;
  type: InputType;
  required?: boolean;
  /** Default as the user would type it. */
  default?: string;
  /** For type 'choice'. */
  options?: readonly string[];
  /** Value is a secret: masked as soon as it is read. */
  secret?: boolean;
  /** Faces that offer this input; all when omitted. */
  faces?: readonly Face[];
  /** ADO only: group name in the task UI. */
  group?: 'connection' | 'advanced';
}

export interface OutputDeclaration {
  /** kebab-case; ADO output variable uses the camelCase form. */
  name: string;
  description: string;
}

export interface StepDeclaration {
  /** kebab-case step id: actions/<id>, `amlops <id>`. */
  id: string;
  /** PascalCase used for the ADO task: Aml<Pascal>@1 in folder tasks/Aml<Pascal>V1. */
  pascal: string;
  title: string;
  description: string;
  /** Stable GUID of the Azure DevOps task; never change it once published. */
  taskId: string;
  version: { major: number; minor: number; patch: number };
  branding: { icon: string; color: 'white' | 'yellow' | 'blue' | 'green' | 'orange' | 'red' | 'purple' | 'gray-dark' };
  inputs: readonly InputDeclaration[];
  outputs: readonly OutputDeclaration[];
}

export const camelCase = (kebab: string): string => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
