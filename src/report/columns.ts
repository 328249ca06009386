/**
 * A report sheet's columns: the source's columns (name, type-derived format and width) with the sheet's
 * presentation laid over them, resolved once before the first row.
 */
import { SheetpipeError } from '../errors.js';
import type { SourceColumn } from '../sources/types.js';
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
