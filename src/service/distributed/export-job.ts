/**
 * The BullMQ processor of a worker: runs one export job through the pipeline into shared storage.
 *
 * 1. A job whose cancel was requested before it got here is dropped (failed as cancelled).
 * 2. Whatever a previous run left under the job's key (a killed worker's temp file) is removed.
 * 3. The export runs through the executor (service/exec), in its own thread like an embedded
 *    job, and streams into a storage upload committed (renamed) only on success; the request's
 *    trace goes into the SQL comment and the file's custom properties, and the coloring hops it
 *    reaches go back with the result, for the API's counters.
 *
 * How it ends, for BullMQ: cancel -> UnrecoverableError (no retry); worker shutdown -> the job
 * goes back to the front of the queue for another worker (WaitingError); any other error ->
 * an ordinary failure, retried up to `attempts`. failedReason is always `CODE: message`.
 */
import { UnrecoverableError, WaitingError, type Processor } from 'bullmq';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import type { ServiceConfig } from '../config/types.js';
import type { ColorHop } from '../../observability/coloring.js';
import { jobErrorOf } from '../exec/error-wire.js';
import type { Executor } from '../exec/executor.js';
import { jobSpec, type ExportSpec } from '../exec/spec.js';
import { encodeFailure, type ExportJob, type ExportJobData, type ExportJobResult } from './job-data.js';
import { outputKey, type Storage } from './storage.js';
import type { StorageSpec } from '../storage/shared-storage.js';

/** Reasons a worker passes to BullMQ's `cancelJob` / `cancelAllJobs`. */
export const ABORT_CANCEL = 'sheetpipe:cancel';
export const ABORT_SHUTDOWN = 'sheetpipe:shutdown';

export interface ExportJobDeps {
  readonly config: ServiceConfig;
  /** The shared storage: partial files are cleaned here. */
  readonly storage: Storage;
  /** The same storage as the export thread opens it (a Storage object cannot cross threads). */
  readonly spec: StorageSpec;
  /** Runs the export (in a thread, in production). */
  readonly executor: Executor;
  readonly isCancelRequested: (id: string) => Promise<boolean>;
  /** Minimum time between two progress updates written to Redis. */
  readonly progressIntervalMs: number;
}

function abortReason(reason: unknown, id: string): SheetpipeError {
  if (reason === ABORT_SHUTDOWN) return new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', [`cancelled by DELETE /v1/exports/${id}`]);
}

function unrecoverable(error: unknown): UnrecoverableError {
  return new UnrecoverableError(encodeFailure(jobErrorOf(error)));
}

/** What BullMQ gets: its own control errors as they are, everything else with a `CODE: message` reason. */
function forBullmq(error: unknown): Error {
  if (error instanceof UnrecoverableError || error instanceof WaitingError) return error;
  return new Error(encodeFailure(jobErrorOf(error)), { cause: error });
}

async function runJob(deps: ExportJobDeps, job: ExportJob, token: string | undefined, signal: AbortSignal | undefined): Promise<ExportJobResult> {
  const id = job.id as string;
  const { request } = job.data;
  if (await deps.isCancelRequested(id)) throw unrecoverable(abortReason(ABORT_CANCEL, id));
  const key = outputKey(id, request.format);
  let spec: ExportSpec;
  try {
    spec = jobSpec(deps.config, request, { kind: 'storage', storage: deps.spec, key });
  } catch (error) {
    // The report is not configured on this worker: another run would fail the same way.
    throw unrecoverable(error);
  }
  await deps.storage.removePartial(key);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(abortReason(signal?.reason, id));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let lastProgress = 0;
  const hops = new Set<ColorHop>();
  try {
    const { rows, bytes } = await deps.executor.run(spec, {
      signal: controller.signal,
      onHop: (hop) => hops.add(hop),
      onProgress: ({ rows, bytes, elapsedMs }) => {
        const now = Date.now();
        if (now - lastProgress < deps.progressIntervalMs) return;
        lastProgress = now;
        // Best effort: a lost update is replaced by the next one.
        job.updateProgress({ rows, bytes, elapsedMs }).catch(() => undefined);
      },
    });
    return { rows, bytes, hops: [...hops] };
  } catch (error) {
    // The thread discards its upload before it reports; this covers a thread that crashed.
    await deps.storage.removePartial(key);
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
    if (isSheetpipeError(reason, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN') && token !== undefined) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (isSheetpipeError(reason, 'SHEETPIPE_ERR_PIPELINE_CANCELED')) throw unrecoverable(reason);
    throw reason;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export function exportProcessor(deps: ExportJobDeps): Processor<ExportJobData, ExportJobResult> {
  // Three declared parameters: BullMQ hands a processor an AbortSignal only when it takes one.
  return (job, token, signal) => runJob(deps, job, token, signal).catch((error: unknown) => Promise.reject(forBullmq(error)));
}
