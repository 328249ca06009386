import type { Writable } from 'node:stream';
import type { Pressure } from '../util/pressure.js';
import type { ColumnOptions } from '../xlsx/types.js';
import type { RowWriter } from './row-writer.js';

export interface XlsxRowWriterOptions {
  readonly sheet: string;
  readonly columns: readonly ColumnOptions[];
  readonly threads?: number;
  readonly niceIncrement?: number;
  readonly deterministic?: boolean;
  readonly customProperties?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly pressure?: Pressure;
  readonly expectedRows?: number;
}

/**
 * One-sheet workbook on the engine. The engine is imported on first use so CSV exports never
 * load it (nor start its worker threads). Time zones are not passed: sources already convert
 * `timestamp with time zone` values to wall-clock Dates, and converting twice would shift them.
 */
export async function createXlsxRowWriter(stream: Writable, options: XlsxRowWriterOptions): Promise<RowWriter> {
  const { XlsxWriter } = await import('../xlsx/index.js');
  const workbook = new XlsxWriter(stream, {
    threads: options.threads,
    niceIncrement: options.niceIncrement,
    deterministic: options.deterministic,
    customProperties: options.customProperties,
    signal: options.signal,
    pressure: options.pressure,
    sizeHint: options.expectedRows === undefined ? undefined : { rows: options.expectedRows },
  });
  const sheet = workbook.addSheet(options.sheet, { columns: options.columns });
  const sheets: string[] = [];
  return {
    sheets,
    addBatch: (rows) => sheet.addBatch(rows),
    addEncoded: (rows) => sheet.addEncoded(rows),
    async close() {
      const summary = await workbook.close();
      sheets.push(...summary.sheets);
    },
    abort: (reason) => workbook.abort(reason),
  };
}
