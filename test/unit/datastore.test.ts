import { blobServiceUrl } from '../../shared/aml/datastore';

test.each([
  ['acct', 'core.windows.net', 'https', 'https://acct.blob.core.windows.net'],
  ['acct', 'core.chinacloudapi.cn', 'https', 'https://acct.blob.core.chinacloudapi.cn'],
  ['devstoreaccount1', '127.0.0.1:10000', 'http', 'http://127.0.0.1:10000/devstoreaccount1'],
  ['devstoreaccount1', 'localhost:10000', 'http', 'http://localhost:10000/devstoreaccount1'],
])('blob service of %s at %s', (account, endpoint, protocol, url) => {
  expect(blobServiceUrl(account, endpoint, protocol)).toBe(url);
});
