/**
 * What the pipeline tells observers, through node:diagnostics_channel (the way undici publishes its
 * request events): tracing, query-wait attribution and metrics subscribe instead of wrapping the
 * Source or being called from every runner. Publishing costs nothing while nobody listens
 * (`hasSubscribers` is checked first). Every message names its export by the ExportOptions object
 * the caller passed to runExport, so a subscriber follows only the exports it started.
 *
 *   sheetpipe:query:sent     the statement goes to the source          { export, kind, commented }
 *   sheetpipe:rows:first     the source's query() answered (a cursor)  { export, kind, commented, waitMs }
 *   sheetpipe:block:written  a batch of rows reached the writer        { export, rows }  (also forwarded from export threads)
 *   sheetpipe:export:end     the export settled                        { export, rows, bytes, format, error? }
 */
import { channel } from 'node:diagnostics_channel';
import type { ExportFormat, ExportOptions } from './types.js';

export interface QuerySent {
  readonly export: ExportOptions;
  /** The source's kind (`postgres`, `csv`, …). */
  readonly kind: string;
  /** The statement carries a sqlcommenter comment (trace context) the database will see. */
  readonly commented: boolean;
}
export interface RowsFirst extends QuerySent {
  /** Ms from sending the statement to the source's answer: the export's database wait. */
  readonly waitMs: number;
}
export interface BlockWritten {
  /**
   * The ExportOptions of an export run in this thread, or, for one run in an export thread, the ExportSpec
   * the executor started it with: its blocks are forwarded to the starting thread (service/exec/thread-runner.ts),
   * where the metrics listen.
   */
  readonly export: object;
  readonly rows: number;
}
export interface ExportEnd {
  readonly export: ExportOptions;
  readonly rows: number;
  readonly bytes: number;
  readonly format: ExportFormat;
  /** The export's error; absent when it succeeded. */
  readonly error?: unknown;
}

export const querySent = channel('sheetpipe:query:sent');
export const rowsFirst = channel('sheetpipe:rows:first');
export const blockWritten = channel('sheetpipe:block:written');
export const exportEnd = channel('sheetpipe:export:end');

/** Subscribes `listener` to the messages of one export only; returns the unsubscribe function. */
export function followExport<T extends { readonly export: object }>(
  source: typeof querySent,
  options: ExportOptions,
  listener: (message: T) => void,
): () => void {
  const onMessage = (message: unknown): void => {
    if ((message as T).export === options) listener(message as T);
  };
  source.subscribe(onMessage);
  return () => source.unsubscribe(onMessage);
}
