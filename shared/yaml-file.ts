import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError } from './errors';
import type { SourceLocation } from './host';

/**
 * A YAML file that remembers where each value came from, so every error can say file:line.
 */
export class YamlFile {
  private constructor(
    readonly file: string,
    readonly displayName: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static load(file: string, cwd = process.cwd()): YamlFile {
    const displayName = path.relative(cwd, file) || file;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${displayName}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    return YamlFile.parse(text, file, displayName);
  }

  static parse(text: string, file: string, displayName = file): YamlFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const problem = doc.errors[0];
    if (problem) {
      const pos = lines.linePos(problem.pos[0]);
      const reason = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new UserError(`invalid YAML: ${reason}`, {
        where: { file: displayName, line: pos.line, column: pos.col },
      });
    }
    return new YamlFile(file, displayName, doc, lines);
  }

  /** The whole document as plain data. */
  toJS(): unknown {
    return this.doc.toJS();
  }

  /** Where the value (or, when asked, the key) at a path starts. Falls back to the nearest parent. */
  locate(keyPath: readonly (string | number)[], which: 'value' | 'key' = 'value'): SourceLocation {
    let node: unknown = this.doc.contents;
    let best: Node | undefined = this.doc.contents ?? undefined;
    for (const key of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        const target = which === 'key' && key === keyPath[keyPath.length - 1] ? pair.key : pair.value;
        node = target;
        if (target && typeof target === 'object' && 'range' in (target as object)) best = target as Node;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (node && typeof node === 'object' && 'range' in (node as object)) best = node as Node;
      } else break;
    }
    const offset = best?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { file: this.displayName, line: pos.line, column: pos.col };
  }

  error(keyPath: readonly (string | number)[], message: string, hint?: string): UserError {
    return new UserError(message, { where: this.locate(keyPath), hint });
  }
}
