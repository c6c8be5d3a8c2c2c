import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';

export interface CaFiles {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';
const LOCK = '.ca.lock';
/** A lock older than this belongs to a process that died while generating. */
const STALE_LOCK_MS = 30_000;

/**
 * Returns the emulator's CA in `dir`, creating it on first use. Test workers and spawned processes
 * start emulators at the same time, so creation is guarded by a lock file and the certificate is
 * renamed into place last: whoever sees ca.pem also sees the matching key.
 */
export async function ensureCa(dir: string): Promise<CaFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, CA_CERT);
  const keyFile = path.join(dir, CA_KEY);
  const lockFile = path.join(dir, LOCK);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const existing = readUsableCa(certFile, keyFile);
    if (existing) return existing;
    if (tryLock(lockFile)) {
      try {
        const again = readUsableCa(certFile, keyFile);
        if (again) return again;
        const { certPem, keyPem } = createCa();
        writeAtomic(keyFile, keyPem, 0o600);
        writeAtomic(certFile, certPem, 0o644);
        return { certFile, keyFile, certPem, keyPem };
      } finally {
        fs.rmSync(lockFile, { force: true });
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the CA lock ${lockFile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tryLock(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - fs.statSync(lockFile).mtimeMs > STALE_LOCK_MS) fs.rmSync(lockFile, { force: true });
    } catch {
      // the holder just released it
    }
    return false;
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

function readUsableCa(certFile: string, keyFile: string): CaFiles | undefined {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = fs.readFileSync(certFile, 'utf8');
    keyPem = fs.readFileSync(keyFile, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const cert = new crypto.X509Certificate(certPem);
    const key = crypto.createPrivateKey(keyPem);
    // A CA about to expire would make long-lived state directories fail later for no visible reason.
    const usable = cert.checkPrivateKey(key) && Date.parse(cert.validTo) > Date.now() + 24 * 3600_000;
    return usable ? { certFile, keyFile, certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}

/** node's generator is much faster than forge's pure-JS one; forge only builds the certificate. */
function generateRsaKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Signs the certificate with node's crypto: forge's pure-JS RSA takes most of a second per
 * certificate, which every emulator start (and so every test file) would pay.
 */
function signCertificate(cert: forge.pki.Certificate, signerKeyPem: string): void {
  const algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = algorithmOid;
  cert.siginfo.algorithmOid = algorithmOid;
  // getTBSCertificate exists in forge but is missing from its type declarations.
  const pki = forge.pki as typeof forge.pki & { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
  cert.tbsCertificate = pki.getTBSCertificate(cert);
  const tbsDer = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = crypto.sign('sha256', tbsDer, signerKeyPem).toString('binary');
}

function randomSerial(): string {
  // Positive (high bit clear) and non-zero, as X.509 requires.
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes.toString('hex');
}

function createCa(): IssuedCert {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const subject = [
    { name: 'commonName', value: 'amlops local emulator CA' },
    { name: 'organizationName', value: 'amlops (local, not trusted elsewhere)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, keys.privatePem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/**
 * A leaf certificate for the emulator's HTTPS server. Both an IP and a DNS SAN are needed:
 * Node and Python's requests check IP addresses against IP SANs only.
 */
export function issueServerCert(
  ca: Pick<CaFiles, 'certPem' | 'keyPem'>,
  hosts: string[] = ['127.0.0.1', 'localhost', '::1'],
): IssuedCert {
  const keys = generateRsaKeys();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  // Under 398 days, the longest lifetime strict TLS clients accept for a leaf.
  cert.validity.notAfter = new Date(Date.now() + 390 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: hosts.find((h) => !isIp(h)) ?? hosts[0] }]);
  cert.setIssuer(caCert.subject.attributes);
  // OpenSSL finds the issuer through this id, so it must equal the CA's own subjectKeyIdentifier.
  const caSki = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  const caKeyId = caSki?.subjectKeyIdentifier
    ? forge.util.hexToBytes(caSki.subjectKeyIdentifier)
    : forge.pki.getPublicKeyFingerprint(caCert.publicKey).getBytes();
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
  ]);
  signCertificate(cert, ca.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** A self-signed client certificate, registered for a service principal (certificate credentials). */
export function createClientCertificate(commonName: string): IssuedCert {
  const keys = generateRsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: commonName }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  signCertificate(cert, keys.privatePem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}
