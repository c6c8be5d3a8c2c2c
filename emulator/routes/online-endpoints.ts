import type { ArmRoute } from './arm';

export const onlineEndpointsRoutes: ArmRoute[] = [];
