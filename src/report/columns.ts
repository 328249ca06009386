/**
 * A report sheet's columns: the source's columns (name, type-derived format and width) with the sheet's
 * presentation laid over them, resolved once before the first row; and the checks that the presentation fits
 * the columns, run on every sheet's described columns before the first query (`assertDescribedSheets`) and
 * again on each cursor's columns (`reportColumns`), for what only the cursor knows.
 */
import { SheetpipeError } from '../errors.js';
import type { ColumnKind, QueryRequest, Source, SourceColumn } from '../sources/types.js';
import { ruleNeedsNumbers } from '../xlsx/conditional-formats.js';
import type { ColumnOptions } from '../xlsx/types.js';
import type { ReportSheet } from './types.js';

/**
 * Describes every sheet's query (nothing is executed: see Source.describe) and checks its columns, so a mistake on
 * any sheet is refused before the first sheet's query runs or the output is opened. A source without `describe`
 * (one from outside sheetpipe) is checked as each query starts, by reportColumns.
 * @throws SHEETPIPE_ERR_REPORT_INVALID as assertSheetColumns; whatever the source's describe raises (syntax, a missing table).
 */
export async function assertDescribedSheets(source: Source, sheets: readonly ReportSheet[], requestOf: (sheet: ReportSheet) => QueryRequest): Promise<void> {
  if (source.describe === undefined) return;
  for (const [index, sheet] of sheets.entries()) assertSheetColumns(sheet, index, await source.describe(requestOf(sheet)));
}

/**
 * The sheet's presented columns and totals name columns the query returns, and number rules, data bars and
 * arithmetic totals sit on columns that can hold numbers. A column of kind `unknown` (SQLite expressions, CSV
 * columns inferred per value, a bare MySQL placeholder at describe time) passes: its values decide.
 * @throws SHEETPIPE_ERR_REPORT_INVALID naming the key path (`sheets[1].columns.amount`,
 *   `sheets[1].table.totals.region`, `sheets[1].columns.region.conditional[0]`).
 */
export function assertSheetColumns(sheet: ReportSheet, sheetIndex: number, columns: readonly SourceColumn[]): void {
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
}

/**
 * The sheet's column options over the cursor's columns.
 * @throws SHEETPIPE_ERR_REPORT_INVALID as assertSheetColumns (the cursor may know a kind describe did not).
 */
export function reportColumns(sheet: ReportSheet, sheetIndex: number, columns: readonly SourceColumn[]): ColumnOptions[] {
  assertSheetColumns(sheet, sheetIndex, columns);
  const presented = sheet.columns ?? {};
  const totals = sheet.table?.totals ?? {};
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
