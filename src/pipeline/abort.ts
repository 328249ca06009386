/**
 * One AbortSignal for every stage of an export (source query, writer, sink), aborted by the
 * caller's signal, by the deadline, or by the first failure of any stage. Its reason is always
 * the SheetpipeError the export ends with, so every stage reports the same cause.
 */
import { SheetpipeError, isSheetpipeError } from '../errors.js';

export interface ExportAbort {
  readonly signal: AbortSignal;
  /** Rejects with the signal's reason once it aborts: a stage raced against it stops waiting (already handled). */
  readonly aborted: Promise<never>;
  /** Stops every stage with `reason` (the first call wins). */
  abort(reason: unknown): void;
  /** Clears the deadline timer and the listener on the caller's signal. */
  dispose(): void;
}

function canceled(reason: unknown): SheetpipeError {
  if (isSheetpipeError(reason)) return reason;
  const text = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', [text], { cause: reason });
}

export function createExportAbort(parent: AbortSignal | undefined, timeoutSeconds: number | undefined): ExportAbort {
  const controller = new AbortController();
  const abort = (reason: unknown): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParentAbort = (): void => abort(canceled(parent?.reason));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  // A plain timer rather than AbortSignal.timeout: it is cleared when the export ends, aborts with
  // the catalogue's timeout error instead of a DOMException, and stays ref'd so a stalled stage
  // cannot let the process exit silently before the deadline fires.
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => abort(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_TIMEOUT', [timeoutSeconds])), timeoutSeconds * 1000);
  const aborted = whenAborted(controller.signal);
  aborted.catch(() => undefined);
  return {
    signal: controller.signal,
    aborted,
    abort,
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The promise rejects with the signal's reason once it aborts (never resolves otherwise). */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
