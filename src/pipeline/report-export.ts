/**
 * `runExport` with a `report`: the service's jobs and downloads run multi-sheet reports through the one export
 * entry point they already use. The report module is imported on first use, like the xlsx engine.
 */
import { SheetpipeError } from '../errors.js';
import { formatForOut } from './plan.js';
import type { ExportOptions, ExportResult } from './types.js';

export async function runReportExport(options: ExportOptions): Promise<ExportResult> {
  const format = options.format ?? formatForOut(options.out);
  if (format !== 'xlsx') throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', ['format', 'a multi-sheet report is written as xlsx only']);
  if (options.query !== undefined || options.table !== undefined) {
    throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', ['report', 'give a report, or one of query and table, not both']);
  }
  const [{ runReport }, { ABOUT_SHEET }] = await Promise.all([import('../report/run-report.js'), import('../report/about-sheet.js')]);
  const result = await runReport({
    source: options.source,
    definition: options.report as NonNullable<ExportOptions['report']>,
    params: options.params,
    out: options.out,
    threads: options.threads,
    niceIncrement: options.niceIncrement,
    pressure: options.pressure,
    deterministic: options.deterministic,
    timeZone: options.timeZone,
    timeoutSeconds: options.timeoutSeconds,
    signal: options.signal,
    sqlComment: options.sqlComment,
    customProperties: options.customProperties,
    sourceName: options.sourceName,
  });
  const about = options.report?.about === true ? [ABOUT_SHEET] : [];
  return { rows: result.rows, bytes: result.bytes, sheets: [...result.sheets.map((sheet) => sheet.name), ...about], durationMs: result.durationMs, ...(result.path === undefined ? {} : { path: result.path }) };
}
