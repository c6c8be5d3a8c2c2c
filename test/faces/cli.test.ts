import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { declarations } from '../../shared/declarations';
import { runCli } from './run-cli';

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('CLI face', () => {
  it('--help lists every step and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const d of declarations) expect(r.stdout).toContain(d.id);
  });

  it('no arguments prints the help and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage:');
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(
      JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version,
    );
  });

  it.each(declarations.map((d) => d.id))(
    "%s --help shows the CLI inputs with types and defaults, not other faces' inputs",
    async (id) => {
      const decl = declarations.find((d) => d.id === id)!;
      const r = await runCli([id, '--help']);
      expect(r.code).toBe(0);
      for (const input of decl.inputs) {
        const onCli = !input.faces || input.faces.includes('cli');
        if (onCli) expect(r.stdout).toContain(`--${input.name}`);
        else expect(r.stdout).not.toContain(`--${input.name} `);
        if (onCli && input.default)
          expect(r.stdout).toMatch(new RegExp(`Default:\\s+${input.default.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
      for (const output of decl.outputs) expect(r.stdout).toContain(output.name);
    },
  );

  it('an unknown option is a usage error naming it and the close match, exit 2', async () => {
    const r = await runCli(['connect', '--workspce', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('amlops connect: error: unknown option --workspce. Did you mean --workspace?');
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  });

  it('an input of another face is refused with the reason', async () => {
    const r = await runCli(['connect', '--azure-subscription', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--azure-subscription is not available on the command line \(only in: azure-devops\)/);
  });

  it('an unknown step suggests the close one', async () => {
    const r = await runCli(['conect']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown step 'conect'. Did you mean connect\?/);
  });

  it('a step failure: one error line on stderr, exit 1, stdout untouched (or {error} with --json)', async () => {
    const r = await runCli(['connect', '--cloud', 'Custom']);
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('error:')),
    ).toEqual([expect.stringMatching(/^amlops connect: error: --arm-endpoint is required when the cloud is Custom/)]);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
    const j = await runCli(['connect', '--cloud', 'Custom', '--json']);
    expect(j.code).toBe(1);
    expect(j.json).toEqual({ error: expect.stringMatching(/--arm-endpoint is required/) });
  });

  it('inputs fall back to AMLOPS_<NAME> variables', async () => {
    const r = await runCli(['submit-job'], { AMLOPS_FILE: 'no-such-job.yml' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--file.*no-such-job\.yml/);
  });

  it('runs under plain node without the repository around it (bin -> dist/cli.js)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-cli-'));
    try {
      const r = await runCli(['--help'], {}, { cwd: dir });
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
