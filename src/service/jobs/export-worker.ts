/**
 * Worker-thread entry for exports (background jobs and direct downloads): runs one export with the
 * pipeline so the source reading and cell conversion (the pipeline's main-thread part) never share
 * the service's event loop with HTTP requests. The job's trace context arrives serialised and is
 * restored here (a child span of the request's), so the SQL comment and file properties come from the
 * context this thread really received; coloring hops are reported back, since the counters live in
 * the main thread.
 * Protocol (parent <-> worker):
 *   in  workerData: WorkerExport (plain, structured-cloneable export options, `trace` when the job has one,
 *                   `nice`: added to this thread's nice value before anything runs; its workers inherit it,
 *                   `out`: a file path, or null to stream the output to the parent)
 *   in  { type: 'abort', code, message }      -> aborts the export with that reason
 *   in  { type: 'written', error? }           -> the parent's destination took the last chunk (or ended)
 *   in  { type: 'pressure', degraded }        -> the service crossed its first memory level (util/pressure.ts)
 *   out { type: 'chunk', data }               -> (out null) bytes for the destination; one in flight at a time
 *   out { type: 'end' }                       -> (out null) the output is complete: end the destination
 *   out { type: 'hop', hop }                  -> the job's color reached `worker`, `db` or `file`
 *   out { type: 'queryWait', ms }             -> ms from sending the statement to its first rows
 *   out { type: 'progress', rows, bytes }
 *   out { type: 'done', rows, bytes } | { type: 'failed', code, message }
 */
import { Writable } from 'node:stream';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SheetpipeError, isSheetpipeError, type ErrorCode } from '../../errors.js';
import type { ColorHop } from '../../observability/coloring.js';
import { restoreTrace, type SerializedTrace } from '../../observability/trace-context.js';
import { runExport } from '../../pipeline/index.js';
import type { ExportOptions } from '../../pipeline/types.js';
import { Pressure } from '../../util/pressure.js';
import { lowerThreadPriority } from '../../util/thread-priority.js';
import { runTracedExport } from './traced-export.js';

export type WorkerExport = Omit<ExportOptions, 'signal' | 'onProgress' | 'source' | 'out' | 'pressure'> & {
  readonly source: string;
  readonly out: string | null;
  readonly trace?: SerializedTrace;
  readonly nice: number;
  /** The service's memory pressure when the thread starts; later changes arrive as `pressure` messages. */
  readonly degraded: boolean;
};

export type ToWorker =
  | { readonly type: 'abort'; readonly code: string; readonly message: string }
  | { readonly type: 'pressure'; readonly degraded: boolean }
  | { readonly type: 'written'; readonly error?: string };
export type FromWorker =
  | { readonly type: 'chunk'; readonly data: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'hop'; readonly hop: ColorHop }
  | { readonly type: 'queryWait'; readonly ms: number }
  | { readonly type: 'progress'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'done'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** A catalogue error whose message was already formatted elsewhere (in the other thread). */
export function remoteError(code: string, message: string): SheetpipeError {
  const error = new SheetpipeError(code as ErrorCode);
  Object.defineProperty(error, 'message', { value: message });
  return error;
}

/**
 * The export's output as messages to the parent. Each write waits for the parent's `written`, so the
 * parent's socket paces the export (backpressure crosses the thread) and at most one chunk is in
 * flight. A chunk is copied into its own buffer and transferred: the writer reuses its buffers, and
 * cloning a view would copy its whole underlying buffer.
 */
function parentStream(port: MessagePort): { readonly stream: Writable; written(error: string | undefined): void } {
  let pending: ((error?: Error) => void) | undefined;
  const stream = new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _encoding, callback) {
      pending = callback;
      const data = new Uint8Array(chunk);
      port.postMessage({ type: 'chunk', data } satisfies FromWorker, [data.buffer]);
    },
    final(callback) {
      pending = callback;
      port.postMessage({ type: 'end' } satisfies FromWorker);
    },
  });
  return {
    stream,
    written(error) {
      const callback = pending;
      pending = undefined;
      callback?.(error === undefined ? undefined : new Error(error));
    },
  };
}

const port = parentPort;
if (port) {
  const { trace: serialized, nice, out, degraded, ...options } = workerData as WorkerExport;
  const pressure = new Pressure(degraded);
  lowerThreadPriority(nice);
  const post = (message: FromWorker): void => port.postMessage(message);
  const controller = new AbortController();
  const toParent = out === null ? parentStream(port) : undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'abort') controller.abort(remoteError(message.code, message.message));
    else if (message.type === 'pressure') pressure.set(message.degraded);
    else toParent?.written(message.error);
  });
  const trace = serialized === undefined ? undefined : restoreTrace(serialized, 'sheetpipe.export');
  if (trace !== undefined) post({ type: 'hop', hop: 'worker' });
  runTracedExport(runExport, {
    ...options,
    out: toParent?.stream ?? (out as string),
    signal: controller.signal,
    pressure,
    onProgress: (progress) => post({ type: 'progress', rows: progress.rows, bytes: progress.bytes }),
  }, trace, { onHop: (hop) => post({ type: 'hop', hop }), onQueryWait: (ms) => post({ type: 'queryWait', ms }) }).then(
    (result) => post({ type: 'done', rows: result.rows, bytes: result.bytes }),
    (error: unknown) => {
      const known = isSheetpipeError(error) ? error : new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [(error as Error)?.message ?? String(error)]);
      post({ type: 'failed', code: known.code, message: known.message });
    },
  ).finally(() => port.close());
}
