/**
 * The one state machine that runs an export in its own thread (export-thread.ts), for embedded
 * jobs, direct downloads and distributed workers alike: the export's row reading and cell
 * conversion then never share the caller's event loop (HTTP requests, a worker's lock renewals).
 * Aborting the signal posts the reason across (error-wire.ts); the promise settles once, after the
 * thread stopped the query and discarded its output; a thread that reported its outcome is reaped
 * later if it does not exit by itself; a crash or an exit without an outcome rejects.
 */
import { Worker } from 'node:worker_threads';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import { blockWritten } from '../../pipeline/diagnostics.js';
import { reapLater } from '../../util/reap-thread.js';
import { fromWire, toWire } from './error-wire.js';
import type { FromThread, ThreadTask, ToThread } from './protocol.js';
import type { ExportControl, ExportOutcome } from './run-here.js';
import type { ExportSpec } from './spec.js';

const ENTRY = new URL('./export-thread.js', import.meta.url);

function abortMessage(reason: unknown): ToThread {
  const error = isSheetpipeError(reason) ? reason : new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['the export was cancelled']);
  return { type: 'abort', error: toWire(error) };
}

export function runInThread(spec: ExportSpec, control: ExportControl): Promise<ExportOutcome> {
  const { signal, out, pressure } = control;
  return new Promise<ExportOutcome>((resolve, reject) => {
    const thread = new Worker(ENTRY, {
      workerData: { spec, degraded: pressure?.degraded === true, forwardBlocks: blockWritten.hasSubscribers } satisfies ThreadTask,
    });
    let settled = false;
    const stopPressure = pressure?.onChange((degraded) => thread.postMessage({ type: 'pressure', degraded } satisfies ToThread));
    const onAbort = (): void => thread.postMessage(abortMessage(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      stopPressure?.();
      outcome();
    };
    const written = (error?: Error | null): void => {
      if (!settled) thread.postMessage({ type: 'written', ...(error ? { error: error.message } : {}) } satisfies ToThread);
    };
    thread.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'chunk':
          out?.write(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), written);
          break;
        case 'end':
          out?.end(written);
          break;
        case 'hop':
          control.onHop?.(message.hop);
          break;
        case 'queryWait':
          control.onQueryWait?.(message.ms);
          break;
        case 'block':
          if (blockWritten.hasSubscribers) blockWritten.publish({ export: spec, rows: message.rows });
          break;
        case 'progress':
          control.onProgress?.({ rows: message.rows, bytes: message.bytes, elapsedMs: message.elapsedMs });
          break;
        case 'done':
          settle(() => resolve({ rows: message.rows, bytes: message.bytes }));
          reapLater(thread);
          break;
        case 'failed':
          settle(() => reject(fromWire(message.error)));
          reapLater(thread);
          break;
      }
    });
    thread.on('error', (error) => settle(() => reject(error)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the export thread exited with code ${code}`))));
  });
}
