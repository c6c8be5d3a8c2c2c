import type { SourceLocation } from './host';

/**
 * A mistake the user can fix: wrong or missing input, bad YAML, unknown workspace, missing
 * permission. Faces print `message` (plus where and what to do) and exit non-zero, never a stack.
 */
export class UserError extends Error {
  readonly where?: string | SourceLocation;
  readonly hint?: string;
  constructor(message: string, options: { where?: string | SourceLocation; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'UserError';
    this.where = options.where;
    this.hint = options.hint;
  }
}

/** The job was canceled by the CI run (SIGINT/SIGTERM). */
export class CanceledError extends Error {
  constructor(message = 'canceled') {
    super(message);
    this.name = 'CanceledError';
  }
}

export function formatLocation(where: string | SourceLocation): string {
  if (typeof where === 'string') return where;
  let s = where.file;
  if (where.line !== undefined) s += `:${where.line}`;
  if (where.column !== undefined) s += `:${where.column}`;
  return s;
}

/** One line (or a few) for any thrown value: what, where, what to do. Never a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof UserError) {
    const parts = [err.where ? `${formatLocation(err.where)}: ${err.message}` : err.message];
    if (err.hint) parts.push(err.hint);
    return parts.join('\n');
  }
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
