/**
 * Validates ExportOptions once, before anything is opened, and derives what the export needs:
 * the output format, the sheet name, and the sheet's columns from the cursor's columns.
 */
import { basename, extname } from 'node:path';
import { SheetpipeError } from '../errors.js';
import { parseCsvUrl } from '../sources/csv.js';
import { sourceKindOf } from '../sources/kind.js';
import { tableQuery } from '../sources/statement.js';
import type { SourceColumn } from '../sources/types.js';
import { isThreadCount, MAX_THREADS, MIN_THREADS } from '../xlsx/threads.js';
import type { ColumnOptions } from '../xlsx/types.js';
import type { ExportFormat, ExportOptions } from './types.js';

export interface ExportPlan {
  readonly format: ExportFormat;
  readonly sheet: string;
  /** The statement to run; empty for a CSV source, whose file is the result. */
  readonly sql: (kind: string) => string;
}

function badOption(name: string, reason: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', [name, reason]);
}

/** Excel forbids `[]:*?/\` and more than 31 characters; a default name is repaired instead of failing. */
export function defaultSheetName(table: string | undefined): string {
  if (table === undefined) return 'Sheet1';
  const name = table.replace(/[[\]:*?/\\]/g, '_').slice(0, 31).replace(/^'+|'+$/g, '');
  return name === '' || name.toLowerCase() === 'history' ? 'Sheet1' : name;
}

/** `csv` for a `.csv` path, else `xlsx` (also for `-` and for Writables). */
export function formatForOut(out: ExportOptions['out']): ExportFormat {
  return typeof out === 'string' && extname(out).toLowerCase() === '.csv' ? 'csv' : 'xlsx';
}

/** True for a CSV source: its file is the result, so it takes no query or table. */
function isCsvSource(source: ExportOptions['source']): boolean {
  return typeof source === 'string' ? sourceKindOf(source) === 'csv' : source?.kind === 'csv';
}

/** A CSV file's name without its extension, as a sheet name (`orders.csv` → `orders`). */
function csvSheetName(source: ExportOptions['source']): string {
  if (typeof source !== 'string') return 'Sheet1';
  const path = parseCsvUrl(source).path;
  return defaultSheetName(basename(path, extname(path)));
}

export function planExport(options: ExportOptions): ExportPlan {
  const hasQuery = options.query !== undefined;
  const hasTable = options.table !== undefined;
  const csv = isCsvSource(options.source);
  if (hasQuery && hasTable) throw badOption('query/table', 'give exactly one of query and table');
  if (!hasQuery && !hasTable && !csv) throw badOption('query/table', 'give exactly one of query and table');
  if (hasQuery && options.query?.trim() === '') throw badOption('query', 'the query is empty');
  if (hasTable && options.table?.trim() === '') throw badOption('table', 'the table name is empty');
  if (options.format !== undefined && options.format !== 'xlsx' && options.format !== 'csv') {
    throw badOption('format', `${String(options.format)} is not xlsx or csv`);
  }
  const timeout = options.timeoutSeconds;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw badOption('timeoutSeconds', `${timeout} is not a positive number of seconds`);
  }
  const threads = options.threads;
  if (threads !== undefined && !isThreadCount(threads)) {
    throw badOption('threads', `${threads} is not a whole number from ${MIN_THREADS} to ${MAX_THREADS}`);
  }
  const { query, table } = options;
  return {
    format: options.format ?? formatForOut(options.out),
    sheet: options.sheet ?? (csv && table === undefined ? csvSheetName(options.source) : defaultSheetName(table)),
    sql: (kind) => query ?? (table === undefined ? '' : tableQuery(kind, table)),
  };
}

/** Header text is always the column name; the format and the width the values need come from the source's type. */
export function sheetColumns(columns: readonly SourceColumn[]): ColumnOptions[] {
  return columns.map(({ name, format, decimals, valueWidth }) => ({
    header: name,
    ...(format === undefined ? {} : { format }),
    ...(decimals === undefined ? {} : { decimals }),
    ...(valueWidth === undefined ? {} : { valueWidth }),
  }));
}
