/**
 * Command-line parsing on node:util parseArgs. Parsing runs non-strict with tokens so every
 * mistake gets sheetpipe's own message (naming the option and the command) and exit code 2.
 */
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { SheetpipeError } from '../errors.js';
import type { ExportFormat } from '../pipeline/types.js';
import { assertTimeZone } from '../xlsx/timezone.js';

type OptionSpec = { readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly short?: string };
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function usageError(message: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_CLI_USAGE', [message]);
}

/** Parses `argv` against `spec`; rejects unknown options, missing values, repeats and positionals. */
export function parseOptions(command: string, spec: Readonly<Record<string, OptionSpec>>, argv: readonly string[]): Values {
  const { values, tokens } = parseArgs({ args: [...argv], options: spec, strict: false, allowPositionals: true, tokens: true });
  const seen = new Set<string>();
  const help = `see sheetpipe ${command} --help`;
  for (const token of tokens) {
    if (token.kind === 'positional') throw usageError(`unexpected argument ${JSON.stringify(token.value)} for sheetpipe ${command} (${help})`);
    if (token.kind === 'option-terminator') continue;
    const option = spec[token.name];
    if (!option) throw usageError(`unknown option ${token.rawName} for sheetpipe ${command} (${help})`);
    if (option.type === 'boolean' && token.value !== undefined) throw usageError(`option ${token.rawName} takes no value`);
    if (option.type === 'string') {
      if (token.value === undefined) throw usageError(`option ${token.rawName} needs a value`);
      // `--query --table x` would otherwise take "--table" as the SQL.
      if (!token.inlineValue && token.value.startsWith('--')) {
        throw usageError(`option ${token.rawName} needs a value, got the option ${token.value} (write ${token.rawName}=${token.value} if that is the value)`);
      }
    }
    if (!option.multiple && seen.has(token.name)) throw usageError(`option --${token.name} is given more than once`);
    seen.add(token.name);
  }
  return values;
}

export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(values: Values, name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw usageError(`sheetpipe ${command} needs --${name} (see sheetpipe ${command} --help)`);
  return value;
}

export function positiveInteger(name: string, text: string | undefined, max: number, limitReason?: string): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw usageError(`--${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  if (value > max) throw usageError(`--${name} must be at most ${max.toLocaleString('en-US')}${limitReason ? ` (${limitReason})` : ''}, got ${text}`);
  return value;
}

export function positiveSeconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!(value > 0) || !Number.isFinite(value)) throw usageError(`--${name} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  return value;
}

/** `--format` wins; else the extension of `--out` (`-` is xlsx). */
export function outputFormat(out: string, format: string | undefined): ExportFormat {
  if (format !== undefined) {
    if (format !== 'xlsx' && format !== 'csv') throw usageError(`--format must be xlsx or csv, got ${JSON.stringify(format)}`);
    return format;
  }
  if (out === '-') return 'xlsx';
  const extension = extname(out).toLowerCase();
  if (extension === '.xlsx') return 'xlsx';
  if (extension === '.csv') return 'csv';
  throw usageError(`cannot tell the output format from --out ${out}: name the file .xlsx or .csv, or pass --format xlsx|csv`);
}

export function timeZoneOption(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    assertTimeZone(text);
  } catch {
    throw usageError(`--tz ${JSON.stringify(text)} is not a known time zone (use an IANA name such as Europe/Berlin or UTC)`);
  }
  return text;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=VALUE` pairs; values stay strings (the SQL decides their type, e.g. `cast(:n as integer)`). */
export function queryParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !PARAM_NAME.test(name)) {
      throw usageError(`--param ${JSON.stringify(pair)} must look like NAME=VALUE, NAME being letters, digits and _ (used as :NAME in the query)`);
    }
    if (Object.hasOwn(params, name)) throw usageError(`--param ${name} is given more than once`);
    params[name] = pair.slice(at + 1);
  }
  return params;
}
