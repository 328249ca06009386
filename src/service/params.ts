/**
 * Report parameters: checks what a client (JSON body or query string) or a schedule sends
 * against the report's declarations, applies defaults and coerces query-string text by type.
 * Values are then bound by the driver (src/sources/sql-params.ts), never interpolated.
 */
import { SheetpipeError } from '../errors.js';
import { findParams, type SqlDialect } from '../sources/sql-params.js';
import type { ParamDeclaration, ParamType, ParamValue, ReportConfig } from './config/types.js';

/** JSON values keep their JSON type; query-string values are text and are parsed by the declared type. */
export type ParamOrigin = 'json' | 'query';

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : String(value);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export type Coerced = { readonly value: ParamValue } | { readonly problem: string };

/**
 * Returns the coerced value, or a sentence saying what is wrong with it.
 * Dates stay ISO-8601 text (`2024-01-31`, `2024-01-31T08:00:00Z`) so SQLite, PostgreSQL
 * and MySQL all compare them the same way.
 */
export function coerceParamValue(type: ParamType, value: unknown, origin: ParamOrigin): Coerced {
  const fail = (expected: string): Coerced => ({ problem: `expected ${expected}, got ${shown(value)}` });
  const ok = (coerced: ParamValue): Coerced => ({ value: coerced });
  const text = typeof value === 'string' ? value : undefined;
  switch (type) {
    case 'string':
      return text === undefined ? fail('a string') : ok(text);
    case 'boolean':
      if (typeof value === 'boolean') return ok(value);
      if (origin === 'query' && text !== undefined) {
        if (text === 'true' || text === '1') return ok(true);
        if (text === 'false' || text === '0') return ok(false);
      }
      return fail(origin === 'query' ? 'true, false, 1 or 0' : 'true or false');
    case 'integer': {
      const number = typeof value === 'number' ? value : origin === 'query' && text !== undefined && INTEGER_TEXT.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(number) ? ok(number) : fail('a whole number between -(2^53-1) and 2^53-1');
    }
    case 'number': {
      const number = typeof value === 'number' ? value : origin === 'query' && text !== undefined && NUMBER_TEXT.test(text) ? Number(text) : NaN;
      return Number.isFinite(number) ? ok(number) : fail('a finite number');
    }
    case 'date': {
      const match = text === undefined ? null : DATE_TEXT.exec(text);
      if (match && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return ok(text as string);
      return fail('a date written YYYY-MM-DD');
    }
    case 'datetime': {
      const match = text === undefined ? null : DATETIME_TEXT.exec(text);
      const timeOk = match !== null && Number(match[4]) < 24 && Number(match[5]) < 60 && Number(match[6] ?? 0) < 60;
      if (match && timeOk && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return ok(text as string);
      return fail('a date-time written YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]');
    }
  }
}

function paramError(name: string, problem: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_PARAM', [name, problem], { details: { param: name } });
}

/**
 * Validates `input` against `report`'s declarations: unknown, missing and ill-typed
 * parameters are 400 errors naming the parameter; defaults fill the gaps.
 */
export function resolveReportParams(
  report: ReportConfig,
  input: Readonly<Record<string, unknown>>,
  origin: ParamOrigin,
): Record<string, ParamValue> {
  for (const name of Object.keys(input)) {
    if (!report.params.has(name)) {
      const declared = [...report.params.keys()];
      const list = declared.length === 0 ? 'it declares none' : `declared: ${declared.join(', ')}`;
      throw paramError(name, `report ${report.name} has no such parameter (${list})`);
    }
  }
  const resolved: Record<string, ParamValue> = {};
  for (const [name, declaration] of report.params) {
    resolved[name] = resolveOne(name, declaration, Object.hasOwn(input, name) ? input[name] : undefined, origin);
  }
  return resolved;
}

function resolveOne(name: string, declaration: ParamDeclaration, value: unknown, origin: ParamOrigin): ParamValue {
  if (value === undefined) {
    if (declaration.default === undefined) throw paramError(name, `is required (type ${declaration.type})`);
    return declaration.default;
  }
  if (Array.isArray(value) && origin === 'query') throw paramError(name, 'is given more than once');
  const coerced = coerceParamValue(declaration.type, value, origin);
  if ('problem' in coerced) throw paramError(name, coerced.problem);
  return coerced.value;
}

/**
 * Parameters of an ad-hoc query: each must be a `:name` the query uses (the sources would silently
 * ignore any other, so a typo would run the query without the intended filter), and a JSON scalar.
 * `dialect` undefined (a CSV source) uses none.
 */
export function resolveAdHocParams(
  query: string,
  dialect: SqlDialect | undefined,
  input: Readonly<Record<string, unknown>>,
): Record<string, ParamValue | null> {
  const used = new Set(dialect === undefined ? [] : findParams(query, dialect).map((ref) => ref.name));
  const params: Record<string, ParamValue | null> = {};
  for (const [name, item] of Object.entries(input)) {
    if (!used.has(name)) {
      const list = used.size === 0 ? 'it uses none' : `it uses: ${[...used].join(', ')}`;
      throw paramError(name, `the query has no :${name} (${list})`);
    }
    if (item !== null && typeof item !== 'string' && typeof item !== 'boolean' && !(typeof item === 'number' && Number.isFinite(item))) {
      throw paramError(name, 'expected a string, number, boolean or null');
    }
    params[name] = item;
  }
  return params;
}
