import * as fs from 'node:fs';
import * as path from 'node:path';

/** A piece of a report section. */
export type Block =
  | { kind: 'facts'; rows: readonly (readonly [string, string])[] }
  | { kind: 'table'; head: readonly string[]; rows: readonly (readonly string[])[] }
  | { kind: 'chart'; id: string; title: string; svg: string; mermaid?: string }
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string };

export interface StepEntry {
  command: string;
  ok: boolean;
  line: string;
  ms: number;
}

export interface Section {
  title: string;
  steps: StepEntry[];
  blocks: Block[];
}

/** The demo's report: what ran, with facts, tables and charts; rendered as markdown and HTML. */
export class Report {
  readonly sections: Section[] = [];
  readonly header: [string, string][] = [];
  outcome = '';

  section(title: string): Section {
    const s: Section = { title, steps: [], blocks: [] };
    this.sections.push(s);
    return s;
  }

  /** Writes report.md (+ one SVG file per chart beside it) and report.html (charts inline). */
  write(dir: string): { markdown: string; html: string } {
    fs.mkdirSync(dir, { recursive: true });
    for (const s of this.sections) {
      for (const b of s.blocks) if (b.kind === 'chart') fs.writeFileSync(path.join(dir, `${b.id}.svg`), b.svg);
    }
    const markdown = path.join(dir, 'report.md');
    const html = path.join(dir, 'report.html');
    fs.writeFileSync(markdown, this.markdown());
    fs.writeFileSync(html, this.html());
    return { markdown, html };
  }

  markdown(): string {
    const out: string[] = ['# amlops demo report', ''];
    if (this.outcome) out.push(`**${this.outcome}**`, '');
    out.push(mdTable(['', ''], this.header), '');
    for (const s of this.sections) {
      out.push(`## ${s.title}`, '');
      if (s.steps.length) {
        out.push(
          mdTable(
            ['step', 'result', 'time'],
            s.steps.map((st) => [`\`${st.command}\``, `${st.ok ? '✅' : '❌'} ${st.line}`, seconds(st.ms)]),
          ),
          '',
        );
      }
      for (const b of s.blocks) out.push(mdBlock(b), '');
    }
    return `${out.join('\n').trimEnd()}\n`;
  }

  html(): string {
    const body: string[] = [`<h1>amlops demo report</h1>`];
    if (this.outcome) body.push(`<p class="outcome">${esc(this.outcome)}</p>`);
    body.push(htmlTable([], this.header, 'facts'));
    for (const s of this.sections) {
      body.push(`<section>`, `<h2>${esc(s.title)}</h2>`);
      if (s.steps.length) {
        body.push(
          htmlTable(
            ['step', 'result', 'time'],
            s.steps.map((st) => [
              `<code>${esc(st.command)}</code>`,
              `<span class="${st.ok ? 'ok' : 'bad'}">${st.ok ? '✔' : '✖'}</span> ${esc(st.line)}`,
              seconds(st.ms),
            ]),
            'steps',
            false,
          ),
        );
      }
      for (const b of s.blocks) body.push(htmlBlock(b));
      body.push(`</section>`);
    }
    return [
      '<!doctype html>',
      '<html lang="en">',
      '<head>',
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<title>amlops demo report</title>',
      `<style>${STYLE}</style>`,
      '</head>',
      '<body>',
      ...body,
      '</body>',
      '</html>',
      '',
    ].join('\n');
  }
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#111827;line-height:1.45}',
  'h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}',
  'table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}td,th{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top}',
  'th{background:#f9fafb}table.facts td:first-child{color:#4b5563;white-space:nowrap}',
  'code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}pre{background:#f3f4f6;padding:.6rem;overflow-x:auto}',
  '.ok{color:#16a34a;font-weight:700}.bad{color:#dc2626;font-weight:700}.outcome{font-weight:600}',
  'figure{margin:1rem 0}figure svg{max-width:100%;height:auto;border:1px solid #e5e7eb}',
].join('\n');

const esc = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const mdCell = (text: string): string => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.map(mdCell).join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');
}

function mdBlock(b: Block): string {
  switch (b.kind) {
    case 'facts':
      return mdTable(['', ''], b.rows);
    case 'table':
      return mdTable(b.head, b.rows);
    case 'text':
      return b.text;
    case 'code':
      return ['```', b.text.trimEnd(), '```'].join('\n');
    case 'chart':
      return [`![${b.title}](${b.id}.svg)`, ...(b.mermaid ? ['', '```mermaid', b.mermaid.trimEnd(), '```'] : [])].join(
        '\n',
      );
  }
}

function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], cls: string, escape = true): string {
  const cell = (t: string) => (escape ? esc(t) : t);
  return [
    `<table class="${cls}">`,
    ...(head.length ? [`<tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`] : []),
    ...rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'facts':
      return htmlTable([], b.rows, 'facts');
    case 'table':
      return htmlTable(b.head, b.rows, 'data');
    case 'text':
      return `<p>${esc(b.text).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`;
    case 'code':
      return `<pre>${esc(b.text.trimEnd())}</pre>`;
    case 'chart':
      return `<figure id="${b.id}">\n${b.svg}\n</figure>`;
  }
}
