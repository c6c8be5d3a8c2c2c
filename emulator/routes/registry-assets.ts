import type { ArmRoute } from './arm';

export const registryAssetsRoutes: ArmRoute[] = [];
