/**
 * The export pipeline: source cursor -> bounded queue -> writer (xlsx engine or CSV) -> sink.
 *
 * ```ts
 * const result = await runExport({ source: 'sqlite:shop.db', table: 'orders', out: 'orders.xlsx' });
 * // { rows, bytes, sheets: ['orders'], durationMs, path }
 * ```
 * Errors: SHEETPIPE_ERR_PIPELINE_BAD_OPTION (options), the source's errors (scheme, connect, query),
 * SHEETPIPE_ERR_PIPELINE_OUTPUT (target not writable), SHEETPIPE_ERR_PIPELINE_TIMEOUT,
 * SHEETPIPE_ERR_PIPELINE_CANCELED, the engine's errors (Excel limits). On any error the file
 * output is removed and an existing target is untouched.
 */
import { assertSourceOption, openSource } from '../sources/index.js';
import type { QueryCursor, Source } from '../sources/types.js';
import { createExportAbort } from './abort.js';
import { blockWritten, exportEnd, querySent, rowsFirst } from './diagnostics.js';
import { CsvWriter } from './csv-writer.js';
import { planExport, sheetColumns } from './plan.js';
import { startProgressTicker } from './progress-ticker.js';
import { pump } from './pump.js';
import type { RowWriter } from './row-writer.js';
import type { Output } from '../util/output.js';
import { openSink } from './sinks/index.js';
import type { ExportOptions, ExportResult } from './types.js';
import { runReportExport } from './report-export.js';
import { createXlsxRowWriter } from './xlsx-row-writer.js';
import { openTemplateWriter, prepareTemplateFor, type PreparedTemplate } from './template-row-writer.js';

export type { ExportFormat, ExportOptions, ExportProgress, ExportResult } from './types.js';

const ignore = (): void => undefined;

/**
 * Awaits `promise` unless the export aborts first; a value that arrives after the abort is
 * released with `release`, so a late connection or cursor is not leaked.
 */
async function unlessAborted<T>(promise: Promise<T>, aborted: Promise<never>, release: (value: T) => unknown): Promise<T> {
  let lost = false;
  promise.then((value) => lost && release(value), ignore);
  try {
    return await Promise.race([promise, aborted]);
  } catch (error) {
    lost = true;
    throw error;
  }
}

export async function runExport(options: ExportOptions): Promise<ExportResult> {
  if (options.report !== undefined) return runReportExport(options);
  const started = performance.now();
  const plan = planExport(options);
  assertSourceOption(options.source);
  const control = createExportAbort(options.signal, options.timeoutSeconds);
  const { signal, aborted } = control;
  const counters = { rows: 0 };
  let source: Source | undefined;
  let cursor: QueryCursor | undefined;
  let sink: Output | undefined;
  let writer: RowWriter | undefined;
  let ticker: { stop(final: boolean): void } | undefined;
  let template: PreparedTemplate | undefined;
  try {
    // A template is checked (and refused) before the source is opened: a bad one costs no query.
    if (options.template) template = await prepareTemplateFor(options.template, plan.format);
    source = typeof options.source === 'string' ? await unlessAborted(openSource(options.source), aborted, (s) => s.close()) : options.source;
    const sql = plan.sql(source.kind);
    const request = { sql, params: options.params, signal, comment: options.sqlComment, timeZone: options.timeZone };
    // Only an SQL source's statement carries the comment to a database.
    const sent = { export: options, kind: source.kind, commented: source.kind !== 'csv' && options.sqlComment !== undefined && options.sqlComment !== '' };
    const sentAt = performance.now();
    if (querySent.hasSubscribers) querySent.publish(sent);
    cursor = await unlessAborted(source.query(request), aborted, (c) => c.close());
    if (rowsFirst.hasSubscribers) rowsFirst.publish({ ...sent, waitMs: performance.now() - sentAt });
    const openCursor = cursor;
    // The output is opened only once the query is running, so a bad query creates no file at all.
    sink = await unlessAborted(openSink(options.out), aborted, (s) => s.discard());
    const openedSink = sink;
    sink.onFailure((error) => control.abort(error));
    const columns = sheetColumns(cursor.columns);
    writer = template
      ? await openTemplateWriter(sink.stream, template, { columns, threads: options.threads, niceIncrement: options.niceIncrement, deterministic: options.deterministic, expectedRows: cursor.estimatedRows })
      : plan.format === 'csv'
        ? new CsvWriter(sink.stream, columns, { raw: options.csv?.raw === true })
        : await createXlsxRowWriter(sink.stream, {
            sheet: plan.sheet,
            columns,
            threads: options.threads,
            niceIncrement: options.niceIncrement,
            deterministic: options.deterministic,
            customProperties: options.customProperties,
            signal,
            pressure: options.pressure,
            expectedRows: cursor.estimatedRows,
          });
    const openWriter = writer;
    ticker = startProgressTicker(options.onProgress, () => ({
      rows: counters.rows,
      bytes: openedSink.bytes,
      totalRows: openCursor.estimatedRows,
      elapsedMs: performance.now() - started,
    }));
    const onBlock = blockWritten.hasSubscribers ? (rows: number) => blockWritten.publish({ export: options, rows }) : undefined;
    await unlessAborted(pump(cursor, writer, counters, signal, onBlock), aborted, ignore);
    await unlessAborted(openWriter.close(), aborted, ignore);
    const path = await sink.commit();
    ticker.stop(true);
    if (exportEnd.hasSubscribers) exportEnd.publish({ export: options, rows: counters.rows, bytes: sink.bytes, format: plan.format });
    return {
      rows: counters.rows,
      bytes: sink.bytes,
      sheets: writer.sheets,
      durationMs: performance.now() - started,
      ...(path === undefined ? {} : { path }),
    };
  } catch (error) {
    // Once aborted, the abort's reason is the cause; whatever a stage threw afterwards is a consequence.
    const reason: unknown = signal.aborted ? signal.reason : error;
    control.abort(reason);
    ticker?.stop(false);
    await writer?.abort(reason).catch(ignore);
    await sink?.discard().catch(ignore);
    if (exportEnd.hasSubscribers) exportEnd.publish({ export: options, rows: counters.rows, bytes: sink?.bytes ?? 0, format: plan.format, error: reason });
    if (!writer) template?.pkg.close();
    throw reason;
  } finally {
    control.dispose();
    await cursor?.close().catch(ignore);
    if (source && typeof options.source === 'string') await source.close().catch(ignore);
  }
}
