import type { ArmRoute } from './arm';

export const batchEndpointsRoutes: ArmRoute[] = [];
