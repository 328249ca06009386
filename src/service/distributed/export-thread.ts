/**
 * One distributed export in a worker thread, so reading rows and converting cells (the
 * pipeline's main-thread part) never delays the worker's event loop: lock renewals, cancel
 * messages and the event-loop watermark then see only real overload, and `--with-worker` keeps
 * the API's requests fast. The thread writes through the shared Storage itself.
 *
 * Protocol (parent <-> thread):
 *   in  workerData: ThreadExport
 *   in  { type: 'abort', code, message }               -> aborts the export with that error
 *   out { type: 'progress', rows, bytes, elapsedMs }   (at most 10 a second, the pipeline's ticker)
 *   out { type: 'done', rows, bytes }                  after the upload was committed
 *   out { type: 'failed', code, message }              after the query stopped and the upload was discarded
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { reapLater } from '../../util/reap-thread.js';
import { runExport } from '../../pipeline/index.js';
import { lowerThreadPriority } from '../../util/thread-priority.js';
import type { PlannedExport } from '../export-plan.js';
import { closeStorage, openStorage, type StorageSpec } from '../storage/shared-storage.js';
import { ExportFailure, jobErrorOf, type ExportJobProgress, type ExportJobResult } from './job-data.js';

export interface ThreadExport {
  readonly plan: PlannedExport & { readonly source: string };
  /** The storage, opened again in the thread (a Storage object cannot cross threads). */
  readonly storage: StorageSpec;
  readonly key: string;
  /** Added to the thread's nice value before it starts (limits.exportNice); its render/compress workers inherit it. */
  readonly nice: number;
}

type ToThread = { readonly type: 'abort'; readonly code: string; readonly message: string };
type FromThread =
  | ({ readonly type: 'progress' } & ExportJobProgress)
  | ({ readonly type: 'done' } & ExportJobResult)
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

const ENTRY = new URL(import.meta.url);

/**
 * Runs `task` in a new thread. Aborting `signal` (its reason a SheetpipeError) stops the export;
 * the promise settles only after the thread stopped the query and discarded its temp file.
 */
export function runInThread(task: ThreadExport, signal: AbortSignal, onProgress: (progress: ExportJobProgress) => void): Promise<ExportJobResult> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(ENTRY, { workerData: task });
    const onAbort = (): void => {
      const { code, message } = jobErrorOf(signal.reason);
      thread.postMessage({ type: 'abort', code, message } satisfies ToThread);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    thread.on('message', (message: FromThread) => {
      if (message.type === 'progress') return onProgress(message);
      if (message.type === 'done') settle(() => resolve({ rows: message.rows, bytes: message.bytes }));
      else settle(() => reject(new ExportFailure({ code: message.code, message: message.message })));
      reapLater(thread);
    });
    thread.on('error', (error) => settle(() => reject(error)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the export thread exited with code ${code}`))));
  });
}

async function runHere(task: ThreadExport, port: NonNullable<typeof parentPort>): Promise<FromThread> {
  lowerThreadPriority(task.nice);
  const controller = new AbortController();
  port.on('message', (message: ToThread) => controller.abort(new ExportFailure({ code: message.code, message: message.message })));
  const storage = openStorage(task.storage);
  // An upload that fails while the export runs (the object store went away) stops the export with its error.
  const upload = await storage.create(task.key, (error) => controller.abort(error));
  try {
    const result = await runExport({
      ...task.plan,
      out: upload.stream,
      signal: controller.signal,
      onProgress: ({ rows, bytes, elapsedMs }) => port.postMessage({ type: 'progress', rows, bytes, elapsedMs } satisfies FromThread),
    });
    return { type: 'done', rows: result.rows, bytes: await upload.commit() };
  } finally {
    // A no-op after commit; after a failure it removes the temp file before the parent hears of it.
    await upload.discard();
    closeStorage(storage);
  }
}

const port = parentPort;
if (port && (workerData as Partial<ThreadExport> | undefined)?.key !== undefined) {
  runHere(workerData as ThreadExport, port).then(
    (message) => port.postMessage(message),
    (error: unknown) => port.postMessage({ type: 'failed', ...jobErrorOf(error) } satisfies FromThread),
  ).finally(() => port.close());
}
