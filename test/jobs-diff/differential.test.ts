import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator';
import { CORPUS } from '../jobs/helpers';
import { startTestEmulator } from '../support/emulator';
import { loadAllowedRules, type AllowedRule } from './allowed';
import { prepareCorpusCopy } from './corpus-tree';
import {
  checkComponentVersions,
  compareFile,
  prepareWorkspaces,
  selectFiles,
  type FileResult,
  type Selection,
} from './differential';
import { freePort, oracleToken, oracleUnavailable, pool, Workspace } from './harness';
import { show } from './wire';

/**
 * The fidelity differential: for every command, sweep and pipeline job YAML of the azureml-examples
 * corpus that submit-job translates, the requests it sends (code, environment and component
 * versions, then the job) must match what Microsoft's azure-ai-ml sends for the same file, field by
 * field, once both ran against the emulator. Differences pass only where a rule in
 * allowed-differences.json explains them; rules never name files.
 *
 * Set AMLOPS_JOBS_DIFF_REPORT=FILE to get every file's recorded requests and outcome as JSON.
 */

const reason = oracleUnavailable();
if (reason) console.warn(`job differential skipped: ${reason}`);
const oracleTest = reason ? test.skip : test;

let emulator: Emulator;
let tmp: string;
let cli: string;
let root: string;
let token: string;
let selection: Selection;
let rules: AllowedRule[];

beforeAll(async () => {
  if (reason) return;
  rules = loadAllowedRules();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amlops-jobs-diff-'));
  // The whole cli/ folder: job files also point at ../../assets and the like. Another copy of the
  // corpus (e.g. a newer azureml-examples) can be given as AMLOPS_JOBS_DIFF_CORPUS=<its cli/jobs>.
  const corpus = process.env.AMLOPS_JOBS_DIFF_CORPUS ?? CORPUS;
  cli = path.join(tmp, 'cli');
  prepareCorpusCopy(path.dirname(corpus), cli);
  root = path.join(cli, path.basename(corpus));
  selection = selectFiles(root);
  // A held-out check: AMLOPS_JOBS_DIFF_SKIP_KNOWN=1 with another corpus compares only the files the
  // shipped corpus does not have (same relative path), so the rules are judged on unseen files.
  if (process.env.AMLOPS_JOBS_DIFF_CORPUS && process.env.AMLOPS_JOBS_DIFF_SKIP_KNOWN) {
    selection.supported = selection.supported.filter((c) => !fs.existsSync(path.join(CORPUS, c.rel)));
  }
  const port = await freePort();
  token = oracleToken(`https://127.0.0.1:${port}`);
  emulator = await startTestEmulator({
    port,
    acceptStaticTokens: ['oracle-token', token],
    computeProvisioningMs: 20,
    // Submitted jobs stay Queued: what is compared is what was sent, not how it ran.
    jobStatusDelayMs: 3_600_000,
  });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

oracleTest(
  'submit-job sends what azure-ai-ml sends for every supported corpus job file',
  async () => {
    const workspaces = ['dev', 'prod'].map((name) => new Workspace(emulator, name, token));
    const started = Date.now();
    const registrations = await prepareWorkspaces(workspaces, cli, selection.supported);
    const prepared = Date.now();
    const results: FileResult[] = await pool(selection.supported, workspaces.length, (c, lane) =>
      compareFile(workspaces[lane], c, selection.supported.indexOf(c), rules),
    );

    const timing = `${Math.round((prepared - started) / 1000)} s preparing, ${Math.round((Date.now() - prepared) / 1000)} s comparing`;
    const count = (o: FileResult['outcome']) => results.filter((r) => r.outcome === o).length;
    const lines: string[] = [];
    lines.push(
      `job differential: ${count('matched')}/${results.length} files matched ` +
        `(of ${results.length} files of supported kinds), ` +
        `${count('oracle-refused') + count('both-failed')} refused by the oracle, ` +
        `${count('mismatched')} with unexplained differences, ${count('ours-failed')} failed in submit-job only; ` +
        `${selection.refusedByUs.length} files of those kinds use parts the translation does not support yet, ` +
        `${selection.otherKinds} files of other kinds (${timing})`,
    );
    // Per kind: the job type, and for pipelines each step kind they hold beyond command steps.
    const kinds = new Map<string, { files: number; matched: number }>();
    for (const r of results) {
      const c = selection.supported.find((x) => x.rel === r.rel)!;
      const jobs = (c.data as { jobs?: Record<string, { type?: string }> }).jobs ?? {};
      const stepKinds = [...new Set(Object.values(jobs).map((j) => String(j?.type ?? 'command')))];
      for (const kind of [r.type, ...stepKinds.filter((k) => k !== 'command').map((k) => `pipeline with ${k} steps`)]) {
        const k = kinds.get(kind) ?? { files: 0, matched: 0 };
        k.files++;
        if (r.outcome === 'matched') k.matched++;
        kinds.set(kind, k);
      }
    }
    lines.push(`  per kind: ${[...kinds].map(([k, v]) => `${k} ${v.matched}/${v.files}`).join(', ')}`);
    const versions = await checkComponentVersions(results);
    const sum = (f: (r: FileResult) => number) => results.reduce((n, r) => n + f(r), 0);
    lines.push(
      `  ${sum((r) => r.requestsCompared)} request pairs compared field by field (${sum((r) => r.fieldsCompared)} fields); ` +
        `${versions.checked} anonymous component versions checked against azure-ai-ml's hash_dict`,
    );
    for (const reg of registrations.filter((r) => r.error)) {
      lines.push(`  asset ${reg.ref.kind}/${reg.ref.name} not available (${reg.how}): ${reg.error}`);
    }
    for (const r of selection.refusedByUs) lines.push(`  submit-job refuses ${r.rel}: ${r.message}`);
    for (const r of results.filter((x) => x.outcome === 'oracle-refused' || x.outcome === 'both-failed')) {
      lines.push(`  oracle refused ${r.rel}: ${r.oracle.error}${r.ours.error ? ` | submit-job: ${r.ours.error}` : ''}`);
    }
    const used = new Map<AllowedRule, number>();
    for (const r of results) for (const [rule, n] of r.explained) used.set(rule, (used.get(rule) ?? 0) + n);
    lines.push('  allowed differences used:');
    for (const rule of rules) lines.push(`    ${used.get(rule) ?? 0}x ${rule.path} [${rule.appliesTo.join(',')}]`);
    console.log(lines.join('\n'));

    const report: string[] = [];
    const notes: string[] = [];
    for (const r of results) {
      if (r.outcome === 'ours-failed') {
        report.push(`${r.rel}: azure-ai-ml submitted it, submit-job failed: ${r.ours.error}`);
      }
      // A PUT the emulator refused from one client only is a finding; refused from both, the file's own doing.
      for (const x of r.rejected) {
        const twin = r.rejected.some((y) => y.side !== x.side && y.status === x.status && y.kind === x.kind);
        const line = `${r.rel}: the emulator answered ${x.status} to ${x.side}'s PUT ${x.request}`;
        (twin ? notes : report).push(line);
      }
      for (const f of r.findings) {
        report.push(`${r.rel}: ${f.kind} ${f.request}: ${f.path}: oracle ${show(f.oracle)}, ours ${show(f.ours)}`);
      }
    }
    if (process.env.AMLOPS_JOBS_DIFF_REPORT) {
      fs.writeFileSync(
        process.env.AMLOPS_JOBS_DIFF_REPORT,
        JSON.stringify(
          results.map((r) => ({ ...r, explained: [...r.explained].map(([rule, n]) => [rule.path, n]) })),
          (_k, v) => (typeof v === 'symbol' ? '(absent)' : v),
          1,
        ),
      );
    }
    report.push(...versions.findings);
    notes.push(...versions.notes);
    // Responses that break the spec are the emulator's to fix (its own tests assert on them): shown, not failed here.
    for (const v of emulator.specViolations) notes.push(`emulator: ${v}`);
    if (notes.length) console.log(`job differential notes (not failures):\n${notes.join('\n')}`);
    expect(report).toEqual([]);
    expect(count('matched')).toBeGreaterThan(0);
  },
  // About two minutes on an idle machine; the limit leaves room for a busy one.
  480_000,
);
