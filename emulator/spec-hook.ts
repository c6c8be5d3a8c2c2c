import * as fs from 'node:fs';
import { loadSpecValidator, SPEC_VERSION_DIR } from './spec-validator';

/**
 * How the emulator uses the official spec: request bodies are checked leniently (ARM ignores
 * properties it does not know), response bodies strictly (the emulator must not invent fields a
 * generated client would not expect).
 */
export interface SpecHook {
  /** True when the spec has an operation for the method and concrete path. */
  covers(method: string, path: string): boolean;
  checkRequest(method: string, path: string, body: unknown): string[];
  checkResponse(method: string, path: string, status: number, body: unknown): string[];
}

export async function loadSpecHook(
  specDir: string | undefined,
  log: (line: string) => void,
): Promise<SpecHook | undefined> {
  if (!specDir) return undefined;
  if (!fs.existsSync(`${specDir}/${SPEC_VERSION_DIR}`)) {
    log(`spec validation off: no spec under ${specDir}/${SPEC_VERSION_DIR}`);
    return undefined;
  }
  const lenient = await loadSpecValidator(specDir);
  const strict = await loadSpecValidator(specDir, { rejectUnknownProperties: true });
  return {
    covers: (method, path) => lenient.findOperation(method, path) !== undefined,
    checkRequest: (method, path, body) => lenient.validateRequest(method, path, body),
    checkResponse: (method, path, status, body) => strict.validateResponse(method, path, status, body),
  };
}
