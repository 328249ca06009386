/**
 * Runs one ExportSpec in this thread, under the one trace policy every path shares (an export
 * thread of an embedded job, a direct download or a distributed worker, or the main thread in
 * in-process mode): the request's context is restored as a child span, goes into the SQL as a
 * sqlcommenter comment and into the file as custom properties, and each coloring hop is reported
 * where it really happens:
 *   db    the source answered the statement carrying the comment (not for csv: sources, which run no SQL)
 *   file  an .xlsx finished, whose docProps/custom.xml holds traceId and color (CSV has no properties)
 * The `worker` hop is the export thread's (export-thread.ts): only a thread that received the context can report it.
 * The query wait comes from the pipeline's diagnostics channel, so the pipeline opens the source
 * itself, inside its abort race (a cancel during connect does not wait for the driver).
 */
import type { Writable } from 'node:stream';
import type { ColorHop } from '../../observability/coloring.js';
import { fileProperties, restoreTrace, runWithTrace, sqlComment, type TraceContext } from '../../observability/trace-context.js';
import { followExport, rowsFirst, type RowsFirst } from '../../pipeline/diagnostics.js';
import type { ExportOptions, ExportProgress, ExportResult } from '../../pipeline/types.js';
import type { Pressure } from '../../util/pressure.js';
import { closeStorage, openStorage } from '../storage/shared-storage.js';
import type { Destination, ExportSpec } from './spec.js';

export type RunExport = (options: ExportOptions) => Promise<ExportResult>;

/** The run-time side of one export: its cancel signal, where a stream destination writes, and what it reports. */
export interface ExportControl {
  /** Its reason (a SheetpipeError) is the error the export ends with; the run settles after cleanup. */
  readonly signal: AbortSignal;
  /** The Writable of a `stream` destination. */
  readonly out?: Writable;
  readonly pressure?: Pressure;
  readonly onProgress?: (progress: ExportProgress) => void;
  readonly onHop?: (hop: ColorHop) => void;
  /** Ms from sending the statement to its first rows (traced exports only). */
  readonly onQueryWait?: (ms: number) => void;
}

export interface ExportOutcome {
  readonly rows: number;
  /** Bytes written (for storage, the committed object's size). */
  readonly bytes: number;
}

interface OpenedDestination {
  readonly out: string | Writable;
  /** Makes the output visible; resolves to its size. */
  commit(written: number): Promise<number>;
  /** Drops an uncommitted output; a no-op after commit. */
  discard(): Promise<void>;
}

/** `onFailure`: a storage that uploads while the export writes (S3) reports there that the upload failed. */
async function openDestination(destination: Destination, out: Writable | undefined, onFailure: (error: Error) => void): Promise<OpenedDestination> {
  switch (destination.kind) {
    case 'file':
      // The pipeline writes a path through its atomic file (temp, fsync, rename) itself.
      return { out: destination.path, commit: async (written) => written, discard: async () => undefined };
    case 'stream':
      if (out === undefined) throw new TypeError('a stream destination needs control.out');
      return { out, commit: async (written) => written, discard: async () => undefined };
    case 'storage': {
      const storage = openStorage(destination.storage);
      const upload = await storage.create(destination.key).catch((error: unknown) => {
        closeStorage(storage);
        throw error;
      });
      upload.onFailure(onFailure);
      const discard = async (): Promise<void> => {
        try {
          await upload.discard();
        } finally {
          closeStorage(storage);
        }
      };
      const commit = async (): Promise<number> => {
        await upload.commit();
        return upload.bytes;
      };
      return { out: upload.stream, commit, discard };
    }
  }
}

function tracedOptions(options: ExportOptions, trace: TraceContext | undefined): ExportOptions {
  if (trace === undefined) return options;
  return { ...options, sqlComment: sqlComment(trace), customProperties: { ...options.customProperties, ...fileProperties(trace) } };
}

/**
 * Runs `spec` with `runExport` (the pipeline, or a caller's wrapper of it). `asyncContext`: enter the
 * trace into AsyncLocalStorage for the run (on the main thread only when the observability plugin
 * does for requests too: on Node 20 it taxes every promise of the thread, trace-context.ts).
 */
export async function runHere(spec: ExportSpec, control: ExportControl, runExport: RunExport, asyncContext: boolean): Promise<ExportOutcome> {
  const trace = spec.trace === undefined ? undefined : restoreTrace(spec.trace, 'sheetpipe.export');
  try {
    // A failed upload stops the export with the upload's error instead of letting it write on.
    const uploadFailed = new AbortController();
    const output = await openDestination(spec.destination, control.out, (error) => uploadFailed.abort(error));
    try {
      const options = tracedOptions({
        ...spec.plan,
        out: output.out,
        signal: AbortSignal.any([control.signal, uploadFailed.signal]),
        ...(control.pressure === undefined ? {} : { pressure: control.pressure }),
        ...(control.onProgress === undefined ? {} : { onProgress: control.onProgress }),
      }, trace);
      const stopFollowing = trace === undefined ? undefined : followExport<RowsFirst>(rowsFirst, options, (first) => {
        control.onQueryWait?.(first.waitMs);
        if (first.commented) control.onHop?.('db');
      });
      let result: ExportResult;
      try {
        result = await (trace !== undefined && asyncContext ? runWithTrace(trace, () => runExport(options)) : runExport(options));
      } finally {
        stopFollowing?.();
      }
      const bytes = await output.commit(result.bytes);
      if (trace !== undefined && options.format === 'xlsx') control.onHop?.('file');
      return { rows: result.rows, bytes };
    } finally {
      await output.discard();
    }
  } finally {
    trace?.end();
  }
}
