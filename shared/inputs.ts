import type { InputDeclaration, StepDeclaration } from './declarations/types';
import { UserError } from './errors';
import type { Host } from './host';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/**
 * Reads a step's inputs by its declaration, the same way on every face: defaults from the
 * declaration, strict parsing, one clear error naming the input as the user wrote it.
 */
export class Inputs {
  constructor(
    private readonly declaration: StepDeclaration,
    private readonly host: Host,
  ) {}

  private decl(name: string): InputDeclaration {
    const d = this.declaration.inputs.find((i) => i.name === name);
    if (!d) throw new Error(`step '${this.declaration.id}' declares no input '${name}'`);
    return d;
  }

  /** The input's text as given (or its default), trimmed; undefined when empty. */
  raw(name: string): string | undefined {
    const d = this.decl(name);
    const given = this.host.getInput(name);
    const value = given !== undefined && given.trim() !== '' ? given.trim() : d.default;
    if (value !== undefined && d.secret) this.host.mask(value);
    return value === '' ? undefined : value;
  }

  fail(name: string, problem: string, hint?: string): never {
    throw new UserError(`${this.host.describeInput(name)} ${problem}`, { hint });
  }

  string(name: string): string | undefined {
    return this.raw(name);
  }

  required(name: string, hint?: string): string {
    const v = this.raw(name);
    if (v === undefined) this.fail(name, 'is required', hint);
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    return this.fail(name, `must be true or false, got '${v}'`);
  }

  number(name: string, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    const integer = bounds.integer ?? true;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      this.fail(name, `must be a ${integer ? 'whole ' : ''}number, got '${v}'`);
    }
    if (bounds.min !== undefined && n < bounds.min) this.fail(name, `must be at least ${bounds.min}, got ${n}`);
    if (bounds.max !== undefined && n > bounds.max) this.fail(name, `must be at most ${bounds.max}, got ${n}`);
    return n;
  }

  /** Milliseconds from '90s', '20m', '1h30m', '2h', or a plain number of seconds. */
  duration(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (ms === undefined) this.fail(name, `must be a duration such as 90s, 20m or 1h30m, got '${v}'`);
    return ms;
  }

  choice<T extends string>(name: string): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const options = this.decl(name).options ?? [];
    const match = options.find((o) => o.toLowerCase() === v.toLowerCase());
    if (!match) this.fail(name, `must be one of ${options.join(', ')}, got '${v}'`);
    return match as T;
  }

  /** Absolute path of an existing file, resolved against the host's working directory. */
  file(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const full = path.resolve(this.host.cwd, v);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(full);
    } catch {
      this.fail(name, `names a file that does not exist: ${v}`, `Paths are relative to ${this.host.cwd}.`);
    }
    if (!stat.isFile()) this.fail(name, `must name a file, but ${v} is a directory`);
    return full;
  }
}

export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(t);
  if (!m || t === '') return undefined;
  const [h, min, s, ms] = m.slice(1).map((x) => Number(x ?? 0));
  return ((h * 60 + min) * 60 + s) * 1000 + ms;
}
