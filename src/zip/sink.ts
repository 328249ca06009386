import type { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';

/**
 * Writes to a Writable honouring backpressure: resolves at once when the sink has room, otherwise on 'drain'.
 * Rejects when the sink fails or closes first, so an error is never swallowed and a caller never waits forever.
 */
export function writeToSink(sink: Writable, data: Uint8Array): Promise<void> {
  if (sink.destroyed || sink.errored) return Promise.reject(sinkError(sink.errored));
  if (sink.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      sink.off('drain', onDrain);
      sink.off('error', onError);
      sink.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(sinkError(error));
    };
    const onClose = (): void => {
      cleanup();
      reject(sinkError(sink.errored ?? new Error('the output was closed before the export finished')));
    };
    sink.on('drain', onDrain);
    sink.on('error', onError);
    sink.on('close', onClose);
  });
}

function sinkError(cause: Error | null | undefined): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_ZIP_SINK', [cause?.message ?? 'the output is closed'], { cause });
}

/** Ends a Writable and waits until everything is flushed. */
export function endSink(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sink.errored) {
      reject(sinkError(sink.errored));
      return;
    }
    sink.once('error', (error) => reject(sinkError(error)));
    sink.end(() => resolve());
  });
}
