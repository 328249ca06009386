/**
 * A report's parameters: the values given (CLI `--param k=v` strings, JSON from the service, or library values)
 * checked against the definition's declared types and defaults, once, before any query runs; and `{name}`
 * placeholders in titles filled from them.
 */
import { SheetpipeError } from '../errors.js';
import type { ParamType, ReportDefinition } from './types.js';

function invalid(path: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`${path}: ${why}`]);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function coerce(name: string, type: ParamType, value: unknown): string | number | boolean {
  const path = `params.${name}`;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'date':
      if (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
      throw invalid(path, `expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n) && (type === 'number' || Number.isInteger(n))) return n;
      throw invalid(path, `expected ${type === 'integer' ? 'a whole number' : 'a number'}, got ${JSON.stringify(value)}`);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      break;
  }
  throw invalid(path, `expected a ${type}, got ${JSON.stringify(value)}`);
}

/**
 * The parameter values the queries get: every declared one (given, else its default), typed.
 * @throws SHEETPIPE_ERR_REPORT_INVALID for a missing value, a value of the wrong type, or an undeclared parameter.
 */
export function resolveParams(definition: ReportDefinition, given: Readonly<Record<string, unknown>> = {}): Record<string, string | number | boolean> {
  const declared = definition.params ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) throw invalid(`params.${name}`, `the report declares no such parameter (it declares ${Object.keys(declared).join(', ') || 'none'})`);
  }
  const values: Record<string, string | number | boolean> = {};
  for (const [name, spec] of Object.entries(declared)) {
    // null is "not given" (the service's optional parameters without a default).
    const value = Object.hasOwn(given, name) && given[name] !== null ? given[name] : spec.default;
    if (value === undefined) throw invalid(`params.${name}`, 'no value given and no default');
    values[name] = coerce(name, spec.type ?? 'string', value);
  }
  return values;
}

/** `{name}` → the parameter's value; other text (and unknown names) stay as written. */
export function fillTemplate(text: string, values: Readonly<Record<string, string | number | boolean>>): string {
  return text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}
