/**
 * An ExportSpec: everything about one export as plain data - structured-cloneable for an export
 * thread, JSON-serialisable for a queue - so every path (embedded jobs, direct downloads, distributed
 * workers) hands the executor the same thing: the plan (source, statement, parameters, sheet,
 * format, time zone, limits), the request's trace context (with its color), and where the bytes go.
 * New kinds of export (several sheets, delivery targets) extend the plan or the destination, not
 * the path an export takes.
 */
import type { SerializedTrace } from '../../observability/trace-context.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobQuery, type PlannedExport } from '../export-plan.js';
import type { JobRequest } from '../jobs/types.js';
import type { StorageSpec } from '../storage/shared-storage.js';


export type Destination =
  /** A local file: temp file, fsync, rename on success. */
  | { readonly kind: 'file'; readonly path: string }
  /** The caller's Writable (an HTTP response), paced by its backpressure. */
  | { readonly kind: 'stream' }
  /** An object in shared storage, visible under `key` only once committed. */
  | { readonly kind: 'storage'; readonly storage: StorageSpec; readonly key: string };

export interface ExportSpec {
  /** The pipeline's options without the run-time parts (output, signal, callbacks); the source is its URL. */
  readonly plan: PlannedExport & { readonly source: string };
  /** The request's trace context: the export runs as its child span, its SQL and file carry it. */
  readonly trace?: SerializedTrace;
  /** Added to the export thread's nice value (limits.exportNice); its render threads inherit it. */
  readonly nice: number;
  readonly destination: Destination;
}

/**
 * The spec of a job under `config`.
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_NOT_FOUND as planJobQuery.
 */
export function jobSpec(config: ServiceConfig, request: JobRequest, destination: Destination): ExportSpec {
  const plan = planJobQuery(config, request);
  return {
    plan: { ...plan, source: plan.source as string },
    ...(request.trace === null ? {} : { trace: request.trace }),
    nice: config.limits.exportNice,
    destination,
  };
}
