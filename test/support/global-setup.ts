import * as path from 'node:path';
import { ensureCa } from '../../emulator/ca';

/**
 * Every emulator a test starts signs its server certificate with this one CA, so workers and the
 * processes they spawn (face bundles, the oracle) can trust it through NODE_EXTRA_CA_CERTS.
 */
export default async function globalSetup(): Promise<void> {
  const dir = path.join(__dirname, '..', '..', '.tmp', 'test-ca');
  const ca = await ensureCa(dir);
  process.env.NODE_EXTRA_CA_CERTS = ca.certFile;
  process.env.AMLOPS_TEST_CA_DIR = dir;
}
