import type { CloudSettings } from './connection';

export type KnownCloud = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';

export const knownClouds: Record<KnownCloud, CloudSettings> = {
  AzureCloud: {
    name: 'AzureCloud',
    armEndpoint: 'https://management.azure.com/',
    authorityHost: 'https://login.microsoftonline.com',
    armAudience: 'https://management.azure.com',
    studioUrl: 'https://ml.azure.com',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn/',
    authorityHost: 'https://login.chinacloudapi.cn',
    armAudience: 'https://management.chinacloudapi.cn',
    studioUrl: 'https://studio.ml.azure.cn',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net/',
    authorityHost: 'https://login.microsoftonline.us',
    armAudience: 'https://management.usgovcloudapi.net',
    studioUrl: 'https://ml.azure.us',
  },
};

export function isKnownCloud(name: string): name is KnownCloud {
  return Object.prototype.hasOwnProperty.call(knownClouds, name);
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);
const withoutSlash = (url: string): string => url.replace(/\/+$/, '');

/** A cloud given by its endpoints: Azure Stack, sovereign clouds not listed above, the local emulator. */
export function customCloud(armEndpoint: string, authorityHost: string, audience?: string): CloudSettings {
  return {
    name: 'Custom',
    armEndpoint: withSlash(armEndpoint),
    authorityHost: withoutSlash(authorityHost),
    armAudience: withoutSlash(audience ?? armEndpoint),
    studioUrl: knownClouds.AzureCloud.studioUrl,
  };
}
