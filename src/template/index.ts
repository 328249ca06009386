/**
 * Streaming into the user's own workbook (issue 17): rows go into an Excel table or below a cell of a template; every
 * other part of the package is copied byte for byte, and what depends on the data range follows it (package-edits.ts).
 *
 * ```ts
 * await fillTemplate({ template: 'monthly.xlsx', into: 'table:Sales', out: 'june.xlsx', rows });
 * ```
 * Errors: SHEETPIPE_ERR_TEMPLATE_* (refusals, before any row is read), the engine's for values and limits.
 * On any error the output file is removed (a Writable is destroyed).
 */
import type { Writable } from 'node:stream';
import type { ColumnOptions, Row } from '../xlsx/types.js';
import { prepareTemplate } from './prepare.js';
import type { TemplateTarget } from './target.js';
import { TemplateWriter } from './template-writer.js';

export { prepareTemplate, type PreparedTemplate } from './prepare.js';
export { TemplateWriter, type TemplateWriterOptions } from './template-writer.js';
export { parseTarget, type TemplateTarget } from './target.js';

export interface FillTemplateOptions {
  /** Path of the .xlsx/.xlsm template. */
  readonly template: string;
  /** `table:NAME`, `sheet:NAME!CELL`, or `{ table }` / `{ sheet, cell }`. */
  readonly into: string | TemplateTarget;
  /** A file path (temp file + rename on success) or any Writable. */
  readonly out: string | Writable;
  readonly rows: Iterable<Row> | AsyncIterable<Row>;
  /** The rows' columns (their formats decide whether Dates need a style where the template has none). */
  readonly columns?: readonly ColumnOptions[];
  readonly threads?: number;
  readonly deterministic?: boolean;
}

export interface FillTemplateResult {
  readonly rows: number;
  readonly sheet: string;
}

const BATCH = 512;

export async function fillTemplate(options: FillTemplateOptions): Promise<FillTemplateResult> {
  const template = await prepareTemplate(options.template, options.into);
  const writer = await TemplateWriter.open(options.out, template, {
    columns: options.columns,
    threads: options.threads,
    deterministic: options.deterministic,
  });
  try {
    let batch: Row[] = [];
    for await (const row of options.rows) {
      batch.push(row);
      if (batch.length === BATCH) {
        await writer.addBatch(batch);
        batch = [];
      }
    }
    await writer.addBatch(batch);
    await writer.close();
  } catch (error) {
    await writer.abort(error);
    throw error;
  }
  return { rows: writer.rows, sheet: template.target.sheetName };
}
