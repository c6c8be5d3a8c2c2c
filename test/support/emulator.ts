import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';

/** The official specs beside the repository (../shared/specs), when present. */
export const SPEC_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'specs');

/**
 * Starts an in-process emulator for a test file: the CA made by the global set-up (so spawned
 * processes trust it through NODE_EXTRA_CA_CERTS), spec validation on (violations are printed and
 * collected in emulator.specViolations), other output only with AMLOPS_EMULATOR_LOG set. Stop it
 * in afterAll.
 */
export async function startTestEmulator(opts: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const caDir = process.env.AMLOPS_TEST_CA_DIR;
  const emulator = await startEmulator({
    caDir,
    specDir: fs.existsSync(SPEC_DIR) ? SPEC_DIR : undefined,
    // Quiet by default, but spec violations and internal errors always show.
    log: (line) => {
      if (process.env.AMLOPS_EMULATOR_LOG || /^(SPEC VIOLATION|internal error)/.test(line))
        process.stderr.write(`[emulator] ${line}\n`);
    },
    ...opts,
  });
  trustInThisProcess(emulator.info.caCertFile);
  return emulator;
}

const trusted = new Set<string>();

/**
 * NODE_EXTRA_CA_CERTS only works for processes started after the global set-up exported it. When
 * jest runs a single file in band, the test runs in the process that started before, so the CA
 * is added to every TLS context made without an explicit `ca` from here on.
 */
function trustInThisProcess(caCertFile: string): void {
  if (trusted.has(caCertFile)) return;
  trusted.add(caCertFile);
  const pem = fs.readFileSync(caCertFile, 'utf8');
  // The real module object: an `import * as` namespace may be a copy, and patching a copy does nothing.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tlsModule = require('node:tls') as typeof tls;
  const original = tlsModule.createSecureContext;
  const patched: typeof tls.createSecureContext = (options) => {
    const context = original(options);
    if (!options?.ca) {
      try {
        (context.context as { addCACert(cert: string): void }).addCACert(pem);
      } catch {
        // Already trusted (NODE_EXTRA_CA_CERTS worked): nothing to add.
      }
    }
    return context;
  };
  tlsModule.createSecureContext = patched;
}
