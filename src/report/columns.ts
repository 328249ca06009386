/**
 * A report sheet's columns: the source's columns (name, type-derived format and width) with the sheet's
 * presentation laid over them, resolved once before the first row.
 */
import { SheetpipeError } from '../errors.js';
import type { ColumnKind, SourceColumn } from '../sources/types.js';
import { ruleNeedsNumbers } from '../xlsx/conditional-formats.js';
import type { ColumnOptions } from '../xlsx/types.js';
import type { ReportSheet } from './types.js';

/**
 * @throws SHEETPIPE_ERR_REPORT_INVALID when the sheet presents a column its query does not return, naming the
 *   key path (`sheets[1].columns.amount`).
 */
export function reportColumns(sheet: ReportSheet, sheetIndex: number, columns: readonly SourceColumn[]): ColumnOptions[] {
  const presented = sheet.columns ?? {};
  const totals = sheet.table?.totals ?? {};
  const names = new Set(columns.map((column) => column.name));
  const known = columns.map((column) => column.name).join(', ');
  for (const [path, keys] of [
    ['columns', Object.keys(presented)],
    ['table.totals', Object.keys(totals)],
  ] as const) {
    for (const key of keys) {
      if (!names.has(key)) {
        throw new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`sheets[${sheetIndex}].${path}.${key}: the query returns no column ${JSON.stringify(key)} (it returns ${known})`]);
      }
    }
  }
  for (const column of columns) assertNumericUses(sheet, sheetIndex, column);
  return columns.map(({ name, format, decimals, valueWidth }) => {
    const own = Object.hasOwn(presented, name) ? presented[name] : undefined;
    // A format of the report's replaces the source's, and with it the source's decimals and value width.
    const sourceFormat = own?.format === undefined ? { format, decimals, valueWidth } : { valueWidth };
    const fn = Object.hasOwn(totals, name) ? totals[name] : undefined;
    const merged: ColumnOptions = { ...dropUndefined(sourceFormat), ...dropUndefined({ ...own }), header: own?.header ?? name, ...(fn === undefined ? {} : { totals: fn }) };
    return merged;
  });
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Kinds whose values are never numbers: number rules and arithmetic totals on them are mistakes. */
const NOT_NUMBERS: ReadonlySet<ColumnKind> = new Set(['text', 'json', 'binary', 'boolean']);
const NOT_SUMMABLE: ReadonlySet<ColumnKind> = new Set([...NOT_NUMBERS, 'date', 'time', 'datetime']);

/** A comparison rule, data bar or arithmetic total on a column whose type holds no numbers is refused, by key path. */
function assertNumericUses(sheet: ReportSheet, sheetIndex: number, column: SourceColumn): void {
  const at = `sheets[${sheetIndex}]`;
  const own = sheet.columns && Object.hasOwn(sheet.columns, column.name) ? sheet.columns[column.name] : undefined;
  if (NOT_NUMBERS.has(column.kind)) {
    own?.conditional?.forEach((rule, r) => {
      if (ruleNeedsNumbers(rule)) throw notNumbers(`${at}.columns.${column.name}.conditional[${r}]`, column);
    });
    if (own?.dataBar !== undefined) throw notNumbers(`${at}.columns.${column.name}.dataBar`, column);
  }
  const fn = sheet.table?.totals && Object.hasOwn(sheet.table.totals, column.name) ? sheet.table.totals[column.name] : undefined;
  if (fn !== undefined && fn !== 'count' && NOT_SUMMABLE.has(column.kind)) throw notNumbers(`${at}.table.totals.${column.name}`, column, fn);
}

function notNumbers(path: string, column: SourceColumn, fn?: string): SheetpipeError {
  const what = fn === undefined ? 'this rule compares numbers' : `${fn} needs numbers (count works on any column)`;
  return new SheetpipeError('SHEETPIPE_ERR_REPORT_INVALID', [`${path}: ${what}, but column ${JSON.stringify(column.name)} holds ${column.kind} values`]);
}
