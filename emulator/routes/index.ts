import type { ArmRoute } from './arm';
import { assetRoutes } from './assets';
import { computeRoutes } from './computes';
import { datastoreRoutes } from './datastores';
import { jobRoutes } from './jobs';
import { operationRoutes } from './operations';
import { registryRoutes } from './registries';
import { workspaceRoutes } from './workspaces';
import { onlineEndpointsRoutes } from './online-endpoints';
import { batchEndpointsRoutes } from './batch-endpoints';
import { registryAssetsRoutes } from './registry-assets';
import { registryComponentRoutes } from './registry-components';

/** Every ARM operation the emulator serves; anything else gets 501 NotSupportedByEmulator. */
export const armRoutes: ArmRoute[] = [
  ...workspaceRoutes,
  ...computeRoutes,
  ...datastoreRoutes,
  ...registryRoutes,
  ...operationRoutes,
  ...assetRoutes,
  ...jobRoutes,
  ...onlineEndpointsRoutes,
  ...batchEndpointsRoutes,
  ...registryAssetsRoutes,
  ...registryComponentRoutes,
];
