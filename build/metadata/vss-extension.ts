import type { StepDeclaration } from '../../shared/declarations/types';

/**
 * tasks/vss-extension.json, the Azure DevOps extension manifest: one task contribution per step.
 * Paths are relative to tasks/, which `npm run package:ado` passes to tfx as the root.
 */
export function renderVssExtension(decls: readonly StepDeclaration[], version: string): string {
  const manifest = {
    manifestVersion: 1,
    id: 'amlops',
    // Replace at publish time with `tfx extension create --publisher <yours>`.
    publisher: 'amlops',
    version,
    name: 'amlops: Azure Machine Learning CI/CD steps',
    description:
      'Connect, compute, jobs, models and deployments for Azure Machine Learning, the same steps as the amlops GitHub Actions and CLI.',
    categories: ['Azure Pipelines'],
    tags: ['Azure Machine Learning', 'MLOps'],
    targets: [{ id: 'Microsoft.VisualStudio.Services' }],
    files: decls.map((d) => ({ path: `Aml${d.pascal}V1` })),
    contributions: decls.map((d) => ({
      id: `aml-${d.id}-task`,
      type: 'ms.vss-distributed-task.task',
      targets: ['ms.vss-distributed-task.tasks'],
      description: d.description,
      properties: { name: `Aml${d.pascal}V1` },
    })),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
