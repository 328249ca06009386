/**
 * The messages between the executor (thread-runner.ts) and an export thread (export-thread.ts).
 *
 *   in  workerData: ThreadTask
 *   in  { type: 'abort', error }          -> aborts the export with that error (error-wire.ts)
 *   in  { type: 'written', error? }       -> the parent's stream took the last chunk (or ended)
 *   in  { type: 'pressure', degraded }    -> the service crossed its first memory level (util/pressure.ts)
 *   out { type: 'chunk', data }           -> (stream destination) bytes; one in flight at a time
 *   out { type: 'end' }                   -> (stream destination) the output is complete: end the stream
 *   out { type: 'hop', hop }              -> the job's color reached `worker`, `db` or `file`
 *   out { type: 'queryWait', ms }         -> ms from sending the statement to its first rows
 *   out { type: 'block', rows }           -> a block of rows reached the writer (only when the parent listens:
 *                                            ThreadTask.forwardBlocks); republished on the parent's block:written channel
 *   out { type: 'progress', rows, bytes, elapsedMs }  (at most 10 a second, the pipeline's ticker)
 *   out { type: 'done', rows, bytes }     -> after the output was committed
 *   out { type: 'failed', error }         -> after the query stopped and the output was discarded
 */
import type { ColorHop } from '../../observability/coloring.js';
import type { WireError } from './error-wire.js';
import type { ExportSpec } from './spec.js';

export interface ThreadTask {
  readonly spec: ExportSpec;
  /** The service's memory pressure when the thread starts; later changes arrive as `pressure` messages. */
  readonly degraded: boolean;
  /** The parent listens to block:written (pipeline/diagnostics.ts, the metrics): forward each block. Unset, nothing is posted. */
  readonly forwardBlocks: boolean;
}

export type ToThread =
  | { readonly type: 'abort'; readonly error: WireError }
  | { readonly type: 'pressure'; readonly degraded: boolean }
  | { readonly type: 'written'; readonly error?: string };

export type FromThread =
  | { readonly type: 'chunk'; readonly data: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'hop'; readonly hop: ColorHop }
  | { readonly type: 'queryWait'; readonly ms: number }
  | { readonly type: 'block'; readonly rows: number }
  | { readonly type: 'progress'; readonly rows: number; readonly bytes: number; readonly elapsedMs: number }
  | { readonly type: 'done'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'failed'; readonly error: WireError };
