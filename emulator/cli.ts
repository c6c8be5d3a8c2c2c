import * as fs from 'node:fs';
import * as path from 'node:path';
import { PortInUseError, startEmulator } from './index';

const USAGE = `Usage: amlops emulator [--port N] [--state DIR] [--ready-file FILE] [--accept-static-token TOKEN]

Runs the local Azure ML workspace emulator (ARM API over HTTPS, Entra-like token endpoint,
GitHub/Azure DevOps OIDC endpoints, Azurite storage) until SIGINT or SIGTERM.

  --port N           HTTPS port (default 0: a free port)
  --state DIR        keep CA, computes and Azurite data in DIR across restarts (default: temporary)
  --ready-file FILE  when ready, write the connection JSON to FILE (removed again on stop)
  --accept-static-token TOKEN
                     also accept this opaque bearer token, for clients that cannot sign in
                     (the azure-ai-ml oracle passes 'oracle-token'); repeatable

The same JSON is printed to stdout as one line; logs go to stderr.`;

class UsageError extends Error {}

interface CliOptions {
  port: number;
  stateDir?: string;
  readyFile?: string;
  staticTokens: string[];
  help: boolean;
}

function parseArgs(argv: string[]): CliOptions {
  const args = argv[0] === 'emulator' ? argv.slice(1) : argv.slice();
  const out: CliOptions = { port: 0, staticTokens: [], help: false };
  while (args.length > 0) {
    const arg = args.shift() as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--')))
        throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535)
          throw new UsageError(`--port must be a number from 0 to 65535, not '${v}'`);
        out.port = Number(v);
        break;
      }
      case '--state':
        out.stateDir = path.resolve(value());
        break;
      case '--ready-file':
        out.readyFile = path.resolve(value());
        break;
      case '--accept-static-token':
        out.staticTokens.push(value());
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}' (see --help)`);
    }
  }
  return out;
}

/** `amlops emulator ...`: resolves with the exit code once the emulator has stopped. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`amlops emulator: ${(e as Error).message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  if (options.readyFile && !fs.existsSync(path.dirname(options.readyFile))) {
    process.stderr.write(
      `amlops emulator: the folder of --ready-file does not exist: ${path.dirname(options.readyFile)}\n`,
    );
    return 2;
  }

  let emulator;
  try {
    emulator = await startEmulator({
      port: options.port,
      stateDir: options.stateDir,
      acceptStaticTokens: options.staticTokens,
      log: (line) => process.stderr.write(`[emulator] ${line}\n`),
    });
  } catch (e) {
    const message =
      e instanceof PortInUseError
        ? `${e.message}; choose another --port or stop the process using it`
        : (e as Error).message;
    process.stderr.write(`amlops emulator: ${message}\n`);
    return 1;
  }

  const json = JSON.stringify(emulator.info);
  if (options.readyFile) {
    // Written under a temporary name first, so a watcher never reads half a file.
    const tmp = `${options.readyFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${json}\n`, { mode: 0o600 });
    fs.renameSync(tmp, options.readyFile);
  }
  process.stdout.write(`${json}\n`);
  process.stderr.write(
    `[emulator] ready at ${emulator.info.armEndpoint} (state: ${emulator.info.stateDir}); stop with Ctrl+C\n`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`[emulator] ${signal} received, stopping\n`);
  await emulator.stop();
  if (options.readyFile) fs.rmSync(options.readyFile, { force: true });
  return 0;
}
