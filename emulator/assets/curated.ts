import type { World } from '../world';

/**
 * Every real workspace lists Azure ML's curated environments, and job YAML names them
 * (`azureml:AzureML-sklearn-1.5@latest`): clients resolve them before submitting, so the emulator
 * seeds the ones the azureml-examples jobs use. They are never built (no environment is).
 */
const CURATED: Record<string, string> = {
  'AzureML-sklearn-1.5': 'mcr.microsoft.com/azureml/curated/sklearn-1.5:latest',
  'AzureML-sklearn-1.0-ubuntu20.04-py38-cpu':
    'mcr.microsoft.com/azureml/curated/sklearn-1.0-ubuntu20.04-py38-cpu:latest',
  'AzureML-acpt-pytorch-2.8-cuda12.6': 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.8-cuda12.6:latest',
  'AzureML-tensorflow-2.16-cuda12': 'mcr.microsoft.com/azureml/curated/tensorflow-2.16-cuda12:latest',
  'AzureML-lightgbm-3.3': 'mcr.microsoft.com/azureml/curated/lightgbm-3.3:latest',
  'AzureML-minimal-ubuntu22.04-py39-cpu-inference':
    'mcr.microsoft.com/azureml/curated/minimal-ubuntu22.04-py39-cpu-inference:latest',
  'AzureML-AutoML': 'mcr.microsoft.com/azureml/curated/azureml-automl:latest',
};

export function seedCuratedEnvironments(w: World): void {
  let changed = false;
  for (const ws of w.ids.workspaces) {
    for (const [name, image] of Object.entries(CURATED)) {
      const key = `${ws.name}/environments/${name.toLowerCase()}`;
      if (w.state.data.assets[key]) continue;
      const at = w.ids.createdAt;
      w.state.data.assets[key] = {
        workspace: ws.name,
        kind: 'environments',
        name,
        createdAt: at,
        modifiedAt: at,
        properties: { description: `Curated environment ${name} (not built by the local emulator)` },
        versions: {
          '1': {
            version: '1',
            createdAt: at,
            modifiedAt: at,
            properties: {
              description: null,
              tags: {},
              properties: {},
              isAnonymous: false,
              isArchived: false,
              image,
              osType: 'Linux',
              autoRebuild: 'Disabled',
              environmentType: 'Curated',
              provisioningState: 'Succeeded',
            },
          },
        },
      };
      changed = true;
    }
  }
  if (changed) w.state.save();
}

/**
 * Azure ML's public registry `azureml` holds the same curated environments without the prefix
 * (`azureml://registries/azureml/environments/sklearn-1.5/labels/latest`), and azure-ai-ml writes
 * that form for curated environments. Resolved as a version that exists, never built.
 */
export function publicRegistryEnvironment(name: string): { name: string; image: string } | undefined {
  const wanted = `azureml-${name}`.toLowerCase();
  const found = Object.entries(CURATED).find(([curated]) => curated.toLowerCase() === wanted);
  return found ? { name: found[0].slice('AzureML-'.length), image: found[1] } : undefined;
}
