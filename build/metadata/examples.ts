import type { StepDeclaration } from '../../shared/declarations/types';

/**
 * A value in a README usage snippet: the same text on every face, different text per face
 * (a face without one leaves the input out), or another step's output, which each CI references
 * its own way.
 */
export type ExampleValue =
  | string
  | { github?: string; 'azure-devops'?: string; cli?: string }
  | { output: readonly [step: string, output: string] };

/**
 * Inputs shown in each step's usage snippets, as in a project laid out by `amlops init`, in the
 * order of a pipeline: connect first, later steps reading what it exported. Required inputs are
 * shown even when missing here. Checked against the declarations when the README is generated,
 * so a renamed input cannot leave a stale snippet behind.
 */
export const snippetExamples: Record<string, Record<string, ExampleValue>> = {
  connect: {
    'client-id': { github: '${{ vars.AZURE_CLIENT_ID }}' },
    'tenant-id': { github: '${{ vars.AZURE_TENANT_ID }}' },
    environment: 'dev',
  },
  'ensure-compute': { file: '.cloud/compute/cpu-cluster.yml' },
  'submit-job': { file: 'pipelines/train.yml' },
  'register-model': {
    name: 'my-model',
    'job-name': { output: ['submit-job', 'job-name'] },
    'gate-metric': 'accuracy',
    'set-baseline': 'true',
  },
  'promote-model': {
    model: { output: ['register-model', 'model-id'] },
    registry: 'ml-registry',
  },
  'deploy-online': {
    'endpoint-file': '.cloud/dev/endpoint.yml',
    'deployment-file': '.cloud/dev/deployment.yml',
    'smoke-cases': 'tests/smoke/online.yml',
    'traffic-steps': '10,50,100',
  },
  'smoke-test': {
    endpoint: { output: ['deploy-online', 'endpoint'] },
    cases: 'tests/smoke/online.yml',
  },
  'deploy-batch': {
    'endpoint-file': '.cloud/prod/batch-endpoint.yml',
    'deployment-file': '.cloud/prod/batch-deployment.yml',
    'test-input': 'data/sample.csv',
  },
  profile: {
    'deployment-file': '.cloud/dev/deployment.yml',
    payloads: 'tests/payloads/*.json',
    candidates: 'Standard_DS2_v2,Standard_DS3_v2,Standard_DS4_v2',
    'goal-p95-ms': '200',
    endpoint: 'my-model-profile',
  },
};

/** Problems with the examples: unknown steps, inputs or outputs. */
export function checkExamples(decls: readonly StepDeclaration[]): string[] {
  const problems: string[] = [];
  for (const [step, inputs] of Object.entries(snippetExamples)) {
    const decl = decls.find((d) => d.id === step);
    if (!decl) {
      problems.push(`snippet examples name step '${step}', which is not declared`);
      continue;
    }
    for (const [input, value] of Object.entries(inputs)) {
      if (!decl.inputs.some((i) => i.name === input))
        problems.push(`${step}: example input '${input}' is not declared`);
      if (typeof value === 'object' && 'output' in value) {
        const [from, output] = value.output;
        const source = decls.find((d) => d.id === from);
        if (!source?.outputs.some((o) => o.name === output)) {
          problems.push(
            `${step}: example input '${input}' reads output '${output}' of '${from}', which is not declared`,
          );
        }
      }
    }
  }
  return problems;
}
