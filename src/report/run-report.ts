/**
 * Runs a report: every sheet's query on one connection in one read-only snapshot (when the source has
 * transactions), sheets written one after another into one workbook (each still rolls over at Excel's row limit).
 *
 * ```ts
 * const result = await runReport({ source: 'sqlite:shop.db', definition, params: { month: '2024-01' }, out: 'month.xlsx' });
 * // { rows, bytes, sheets: [{ name: 'Summary', rows: 3 }, …], durationMs, path }
 * ```
 * Errors: SHEETPIPE_ERR_REPORT_INVALID (the definition, before anything is opened; a presented column the query
 * does not return or a number rule or total on a column of another type, found by describing every sheet's query
 * before the first one runs and before the output is opened), and everything runExport raises (source, Excel
 * limits, output, timeout, cancel).
 */
import type { Writable } from 'node:stream';
import { createExportAbort } from '../pipeline/abort.js';
import { pump } from '../pipeline/pump.js';
import { openSink } from '../pipeline/sinks/index.js';
import type { Output } from '../util/output.js';
import { assertSourceOption, openSource } from '../sources/index.js';
import type { QueryCursor, Source } from '../sources/types.js';
import type { Pressure } from '../util/pressure.js';
import { packageVersion } from '../cli/version.js';
import { XlsxWriter } from '../xlsx/workbook-writer.js';
import { ABOUT_OPTIONS, ABOUT_SHEET, aboutRows } from './about-sheet.js';
import { assertDescribedSheets, reportColumns } from './columns.js';
import { sheetTitleLines } from './sheet-title.js';
import { fillTemplate, resolveParams } from './params.js';
import type { ReportDefinition, ReportSheet, SheetResult } from './types.js';
import { assertReportDefinition } from './validate.js';

export interface RunReportOptions {
  /** A source URL or an open Source (not closed by the report). */
  readonly source: string | Source;
  readonly definition: ReportDefinition;
  readonly params?: Readonly<Record<string, unknown>>;
  /** A file path (temp file + rename on success), `-` for stdout, or any Writable. */
  readonly out: string | Writable;
  readonly threads?: number;
  /** CPU priority decrease of the engine's threads (a server's exports). */
  readonly niceIncrement?: number;
  /** A server's memory pressure (src/util/pressure.ts). */
  readonly pressure?: Pressure;
  readonly deterministic?: boolean;
  /** Display zone for `timestamp with time zone` values (default UTC). */
  readonly timeZone?: string;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
  readonly sqlComment?: string;
  readonly customProperties?: Readonly<Record<string, string>>;
  /** The source's name as configured, for the About sheet (default: its kind, e.g. `postgres`; never its URL). */
  readonly sourceName?: string;
  /** Shown on the About sheet (default: `customProperties.traceId`). */
  readonly traceId?: string;
  /** The About sheet's and the sheet titles' "generated at" (default: now; `deterministic`: 2000-01-01T00:00:00Z). */
  readonly generatedAt?: Date;
  /** Called after each sheet's last row is accepted, before the next sheet's query starts. */
  readonly onSheet?: (sheet: SheetResult, index: number) => void | Promise<void>;
}

export interface ReportResult {
  readonly rows: number;
  readonly bytes: number;
  readonly sheets: readonly SheetResult[];
  readonly durationMs: number;
  readonly path?: string;
}

const ignore = (): void => undefined;

export async function runReport(options: RunReportOptions): Promise<ReportResult> {
  const started = performance.now();
  const { definition } = options;
  assertReportDefinition(definition);
  const params = resolveParams(definition, options.params);
  const title = definition.title === undefined ? undefined : fillTemplate(definition.title, params);
  assertSourceOption(options.source);
  const generatedAt = options.generatedAt ?? (options.deterministic ? new Date(Date.UTC(2000, 0, 1)) : new Date());
  const timeZone = options.timeZone ?? 'UTC';
  const control = createExportAbort(options.signal, options.timeoutSeconds);
  const { signal, aborted } = control;
  let source: Source | undefined;
  let reader: Source | undefined;
  let cursor: QueryCursor | undefined;
  let sink: Output | undefined;
  let book: XlsxWriter | undefined;
  const sheets: SheetResult[] = [];
  try {
    source = typeof options.source === 'string' ? await openSource(options.source) : options.source;
    // A snapshot needs transactions; a CSV file is read whole by each query and has none.
    reader = definition.snapshot !== false && source.snapshot !== undefined ? await source.snapshot() : source;
    const openReader = reader;
    const requestOf = (spec: ReportSheet) => ({ sql: spec.query, params, signal, comment: options.sqlComment, timeZone: options.timeZone });
    // Every sheet's mistakes before the first query runs or the output exists (in the snapshot, so the same tables).
    await Promise.race([assertDescribedSheets(openReader, definition.sheets, requestOf), aborted]);
    sink = await openSink(options.out);
    sink.onFailure((error) => control.abort(error));
    book = new XlsxWriter(sink.stream, {
      threads: options.threads,
      niceIncrement: options.niceIncrement,
      pressure: options.pressure,
      deterministic: options.deterministic,
      customProperties: options.customProperties,
      signal,
      ...(title === undefined ? {} : { properties: { title } }),
    });
    const openBook = book;
    for (const [index, spec] of definition.sheets.entries()) {
      cursor = await Promise.race([openReader.query(requestOf(spec)), aborted]);
      const titleLines = sheetTitleLines(spec, params, generatedAt, timeZone);
      const sheet = openBook.addSheet(spec.name, {
        columns: reportColumns(spec, index, cursor.columns),
        ...(spec.headerStyle === undefined ? {} : { headerStyle: spec.headerStyle }),
        ...(spec.freezeHeader === undefined ? {} : { freezeHeader: spec.freezeHeader }),
        ...(spec.autoFilter === undefined ? {} : { autoFilter: spec.autoFilter }),
        ...(spec.table === undefined ? {} : { table: spec.table }),
        ...(spec.print === undefined ? {} : { print: spec.print }),
        ...(spec.tabColor === undefined ? {} : { tabColor: spec.tabColor }),
        ...(titleLines === undefined ? {} : { title: titleLines }),
        ...(spec.titleStyle === undefined ? {} : { titleStyle: spec.titleStyle }),
      });
      const counters = { rows: 0 };
      await pump(
        cursor,
        { addBatch: (rows) => sheet.addBatch(rows), addEncoded: (rows) => sheet.addEncoded(rows), close: async () => {}, abort: async () => {}, sheets: [] },
        counters,
        signal,
      );
      await cursor.close();
      cursor = undefined;
      const result = { name: spec.name, rows: counters.rows };
      sheets.push(result);
      await options.onSheet?.(result, index);
    }
    if (definition.about === true) {
      const about = openBook.addSheet(ABOUT_SHEET, ABOUT_OPTIONS);
      await about.addBatch(
        aboutRows({
          title,
          description: definition.description,
          params,
          generatedAt,
          timeZone,
          sourceName: options.sourceName ?? source.kind,
          sheets,
          version: packageVersion(),
          traceId: options.traceId ?? options.customProperties?.traceId,
        }),
      );
    }
    await Promise.race([openBook.close(), aborted]);
    const path = await sink.commit();
    return {
      rows: sheets.reduce((sum, sheet) => sum + sheet.rows, 0),
      bytes: sink.bytes,
      sheets,
      durationMs: performance.now() - started,
      ...(path === undefined ? {} : { path }),
    };
  } catch (error) {
    const reason: unknown = signal.aborted ? signal.reason : error;
    control.abort(reason);
    await book?.abort(reason).catch(ignore);
    await sink?.discard().catch(ignore);
    throw reason;
  } finally {
    control.dispose();
    await cursor?.close().catch(ignore);
    if (reader !== source) await reader?.close().catch(ignore);
    if (source && typeof options.source === 'string') await source.close().catch(ignore);
  }
}
