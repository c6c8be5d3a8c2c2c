import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCa, issueServerCert } from '../../emulator/ca';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-ca-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('creates a CA once and reuses it, also when several callers race', async () => {
  const [a, b, c] = await Promise.all([ensureCa(dir), ensureCa(dir), ensureCa(dir)]);
  expect(b.certPem).toBe(a.certPem);
  expect(c.keyPem).toBe(a.keyPem);
  expect(fs.readdirSync(dir).sort()).toEqual(['ca-key.pem', 'ca.pem']);
  const again = await ensureCa(dir);
  expect(again.certPem).toBe(a.certPem);
  const cert = new crypto.X509Certificate(a.certPem);
  expect(cert.ca).toBe(true);
  expect(cert.checkPrivateKey(crypto.createPrivateKey(a.keyPem))).toBe(true);
  expect((cert.publicKey.asymmetricKeyDetails as { modulusLength: number }).modulusLength).toBe(2048);
});

test('server certificates are signed by the CA and name 127.0.0.1 and localhost', async () => {
  const ca = await ensureCa(dir);
  const leaf = new crypto.X509Certificate(issueServerCert(ca).certPem);
  const caCert = new crypto.X509Certificate(ca.certPem);
  expect(leaf.verify(caCert.publicKey)).toBe(true);
  expect(leaf.checkIssued(caCert)).toBe(true);
  expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(leaf.checkHost('localhost')).toBe('localhost');
  expect(leaf.ca).toBe(false);
});

test('an unusable CA (key does not match) is replaced', async () => {
  const first = await ensureCa(dir);
  fs.writeFileSync(
    path.join(dir, 'ca-key.pem'),
    crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
  );
  const second = await ensureCa(dir);
  expect(second.certPem).not.toBe(first.certPem);
  expect(new crypto.X509Certificate(second.certPem).checkPrivateKey(crypto.createPrivateKey(second.keyPem))).toBe(true);
});
