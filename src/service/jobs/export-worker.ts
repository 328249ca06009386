/**
 * Worker-thread entry for background jobs: runs one export with the pipeline so the source
 * reading and cell conversion (the pipeline's main-thread part) never share the service's event
 * loop with HTTP requests. The job's trace context arrives serialised and is restored here (a child
 * span of the request's), so the SQL comment and file properties come from the context this thread
 * really received; coloring hops are reported back, since the counters live in the main thread.
 * Protocol (parent <-> worker):
 *   in  workerData: WorkerExport (plain, structured-cloneable export options, `trace` when the job has one)
 *   in  { type: 'abort', code, message }      -> aborts the export with that reason
 *   out { type: 'hop', hop }                  -> the job's color reached `worker`, `db` or `file`
 *   out { type: 'progress', rows, bytes }
 *   out { type: 'done', rows, bytes } | { type: 'failed', code, message }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SheetpipeError, isSheetpipeError, type ErrorCode } from '../../errors.js';
import type { ColorHop } from '../../observability/coloring.js';
import { restoreTrace, type SerializedTrace } from '../../observability/trace-context.js';
import { runExport } from '../../pipeline/index.js';
import type { ExportOptions } from '../../pipeline/types.js';
import { runTracedExport } from './traced-export.js';

export type WorkerExport = Omit<ExportOptions, 'signal' | 'onProgress' | 'source' | 'out'> & {
  readonly source: string;
  readonly out: string;
  readonly trace?: SerializedTrace;
};

export type ToWorker = { readonly type: 'abort'; readonly code: string; readonly message: string };
export type FromWorker =
  | { readonly type: 'hop'; readonly hop: ColorHop }
  | { readonly type: 'progress'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'done'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** A catalogue error whose message was already formatted elsewhere (in the other thread). */
export function remoteError(code: string, message: string): SheetpipeError {
  const error = new SheetpipeError(code as ErrorCode);
  Object.defineProperty(error, 'message', { value: message });
  return error;
}

const port = parentPort;
if (port) {
  const controller = new AbortController();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'abort') controller.abort(remoteError(message.code, message.message));
  });
  const post = (message: FromWorker): void => port.postMessage(message);
  const { trace: serialized, ...options } = workerData as WorkerExport;
  const trace = serialized === undefined ? undefined : restoreTrace(serialized, 'sheetpipe.export');
  if (trace !== undefined) post({ type: 'hop', hop: 'worker' });
  runTracedExport(runExport, {
    ...options,
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', rows: progress.rows, bytes: progress.bytes }),
  }, trace, { onHop: (hop) => post({ type: 'hop', hop }) }).then(
    (result) => post({ type: 'done', rows: result.rows, bytes: result.bytes }),
    (error: unknown) => {
      const known = isSheetpipeError(error) ? error : new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [(error as Error)?.message ?? String(error)]);
      post({ type: 'failed', code: known.code, message: known.message });
    },
  ).finally(() => port.close());
}
