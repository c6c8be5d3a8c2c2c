import { userInfo } from 'node:os';
import { version } from '../package.json';
import { declarations } from '../shared/declarations';
import { errorMessage } from '../shared/errors';
import { runStep } from '../shared/run-step';
import { closeMatches, parseInitArgs, parseStepArgs, UsageError } from './args';
import { CliHost } from './cli-host';
import { initHelp, mainHelp, stepHelp } from './help';

/**
 * `amlops <step> [--input value ...]`, `amlops emulator ...`, `--help`, `--version`.
 * The CLI face's single error boundary: `amlops <step>: error: <message>` on stderr, exit 1 for a
 * failed step and 2 for a wrong command line; never a stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const helpFor = command === 'help' ? declarations.find((d) => d.id === rest[0]) : undefined;
  if (helpFor) {
    process.stdout.write(stepHelp(helpFor));
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(mainHelp(declarations, version));
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === 'emulator') {
    // Loaded on demand: the emulator is large and most runs never need it.
    const emulator = await import('../emulator/cli');
    const code: unknown = await emulator.main([...rest]);
    return typeof code === 'number' ? code : 0;
  }
  if (command === 'init') return init(rest);
  const decl = declarations.find((d) => d.id === command);
  if (!decl) {
    const close = closeMatches(command, [...declarations.map((d) => d.id), 'emulator', 'init']);
    process.stderr.write(
      `amlops: error: unknown ${command.startsWith('-') ? 'option' : 'step'} '${command}'${close.length ? `. Did you mean ${close.join(' or ')}?` : ''}\n` +
        `Steps: ${declarations.map((d) => d.id).join(', ')}. Run 'amlops --help'.\n`,
    );
    return 2;
  }
  let json = rest.includes('--json');
  let host: CliHost | undefined;
  try {
    const args = parseStepArgs(decl, rest);
    json = args.options.json;
    if (args.options.help) {
      process.stdout.write(stepHelp(decl));
      return 0;
    }
    host = new CliHost({ inputs: args.inputs, debug: args.options.debug, summaryFile: args.options.summaryFile });
    await runStep(decl.id, host);
    process.stdout.write(`${host.redact(JSON.stringify(host.outputs, null, 2))}\n`);
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError;
    const message = host ? host.redact(errorMessage(err)) : errorMessage(err);
    process.stderr.write(`amlops ${decl.id}: error: ${message}\n`);
    if (usage) process.stderr.write(`Run 'amlops ${decl.id} --help' for its options.\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    return usage ? 2 : 1;
  }
}

/** `amlops init <dir> --ci ...`: writes the project scaffold, or nothing when a file is in the way. */
async function init(argv: readonly string[]): Promise<number> {
  try {
    const args = parseInitArgs(argv);
    if (args.help) {
      process.stdout.write(initHelp());
      return 0;
    }
    if (!args.dir) throw new UsageError('init needs the folder to write the project into');
    const { CI_CHOICES, writeScaffold } = await import('../shared/init/scaffold');
    if (!args.ci) throw new UsageError(`--ci is required: ${CI_CHOICES.join(', ')}`);
    const ci = CI_CHOICES.find((c) => c === args.ci);
    if (!ci) throw new UsageError(`--ci must be one of ${CI_CHOICES.join(', ')}, not '${args.ci}'`);
    const person = args.person ?? defaultPerson();
    const result = writeScaffold(args.dir, { ci, person, registry: args.registry }, args.force);
    process.stderr.write(
      `Wrote ${result.written.length} files to ${result.dir}` +
        (result.overwritten.length ? ` (${result.overwritten.length} overwritten)` : '') +
        `.\nNext: cd ${args.dir} && python3 -m unittest discover -s tests; see README.md and docs/ci.md.\n`,
    );
    process.stdout.write(`${JSON.stringify({ dir: result.dir, files: result.written }, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`amlops init: error: ${errorMessage(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`Run 'amlops init --help' for its options.\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

/** The user's login name as a folder name, else 'me'. */
function defaultPerson(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? '';
  }
  const clean = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return clean || 'me';
}

/** Runs the CLI as a process: exits once stdout and stderr are flushed, so no stray handle keeps it alive. */
export function cli(argv: readonly string[]): void {
  const isEmulator = argv[0] === 'emulator';
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // The emulator serves until it is stopped; its own handles decide when the process ends.
      if (!isEmulator) flushThenExit();
    },
    (err: unknown) => {
      process.stderr.write(`amlops: error: ${errorMessage(err)}\n`);
      process.exitCode = 1;
      flushThenExit();
    },
  );
}

function flushThenExit(): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}

if (require.main === module) cli(process.argv.slice(2));
