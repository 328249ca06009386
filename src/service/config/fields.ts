/**
 * Small readers for the untyped JSON of a config file. Each one names the key it reads
 * (`reports.orders.params.min.type`) in the SHEETPIPE_ERR_SERVICE_CONFIG it throws, so an
 * operator sees exactly which line of a generated file is wrong.
 */
import { SheetpipeError } from '../../errors.js';

export type Json = Record<string, unknown>;

export function configError(path: string, problem: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_CONFIG', [path || '(top level)', problem]);
}

/** `a.b`, `a["odd key"]` and `a[3]` paths, readable and unambiguous. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key);
  if (!plain) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`}`;
}

export function expectObject(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(path, `expected an object, got ${describe(value)}`);
  }
  return value as Json;
}

export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw configError(path, `expected an array, got ${describe(value)}`);
  return value;
}

/** Typos in generated configs are common; an unknown key is an error, not silently ignored. */
export function rejectUnknownKeys(object: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw configError(childPath(path, key), `unknown key (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function optionalString(object: Json, key: string, path: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw configError(childPath(path, key), `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function requiredString(object: Json, key: string, path: string): string {
  const value = optionalString(object, key, path);
  if (value === undefined) throw configError(childPath(path, key), 'is required');
  return value;
}

export function optionalBoolean(object: Json, key: string, path: string): boolean | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw configError(childPath(path, key), `expected true or false, got ${describe(value)}`);
  return value;
}

export interface NumberRule {
  readonly integer?: boolean;
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Values must be greater than this (exclusive). */
  readonly above?: number;
  readonly max?: number;
}

export function optionalNumber(object: Json, key: string, path: string, rule: NumberRule = {}): number | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  const at = childPath(path, key);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw configError(at, `expected a number, got ${describe(value)}`);
  if (rule.integer && !Number.isSafeInteger(value)) throw configError(at, `expected a whole number, got ${value}`);
  if (rule.min !== undefined && value < rule.min) throw configError(at, `must be at least ${rule.min}, got ${value}`);
  if (rule.above !== undefined && value <= rule.above) throw configError(at, `must be greater than ${rule.above}, got ${value}`);
  if (rule.max !== undefined && value > rule.max) throw configError(at, `must be at most ${rule.max}, got ${value}`);
  return value;
}

/** `${NAME}` in a URL is replaced by the environment variable, so secrets stay out of the file. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, path: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) throw configError(path, `environment variable ${name} is not set`);
    return value;
  });
}

/** Reads `{ <what> }` or `{ <what>Env }` (a variable's name) at `path`; the secret itself never appears in an error. */
export function readSecret(object: Json, path: string, env: NodeJS.ProcessEnv, what = 'secret'): string | undefined {
  const value = optionalString(object, what, path);
  const envName = optionalString(object, `${what}Env`, path);
  if (value !== undefined && envName !== undefined) throw configError(path, `give ${what} or ${what}Env, not both`);
  if (envName === undefined) return value;
  const fromEnv = env[envName];
  if (fromEnv === undefined || fromEnv === '') throw configError(childPath(path, `${what}Env`), `environment variable ${envName} is not set`);
  return fromEnv;
}
