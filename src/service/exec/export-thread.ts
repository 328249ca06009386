/**
 * Thread entry of one export (thread-runner.ts starts it; protocol.ts lists the messages): lowers
 * its priority, then runs the spec with the shared trace policy (run-here.ts), so the SQL comment,
 * the file's properties and the coloring hops come from the context this thread really received;
 * hops, query waits and progress go back to the parent, whose counters they feed.
 */
import { Writable } from 'node:stream';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { blockWritten, type BlockWritten } from '../../pipeline/diagnostics.js';
import { runExport } from '../../pipeline/index.js';
import { Pressure } from '../../util/pressure.js';
import { lowerThreadPriority } from '../../util/thread-priority.js';
import { fromWire, toWire } from './error-wire.js';
import type { FromThread, ThreadTask, ToThread } from './protocol.js';
import { runHere } from './run-here.js';

/**
 * A stream destination as messages to the parent. Each write waits for the parent's `written`, so the
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
      port.postMessage({ type: 'chunk', data } satisfies FromThread, [data.buffer]);
    },
    final(callback) {
      pending = callback;
      port.postMessage({ type: 'end' } satisfies FromThread);
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
  const { spec, degraded, forwardBlocks } = workerData as ThreadTask;
  lowerThreadPriority(spec.nice);
  const pressure = new Pressure(degraded);
  const post = (message: FromThread): void => port.postMessage(message);
  const controller = new AbortController();
  const toParent = spec.destination.kind === 'stream' ? parentStream(port) : undefined;
  port.on('message', (message: ToThread) => {
    if (message.type === 'abort') controller.abort(fromWire(message.error));
    else if (message.type === 'pressure') pressure.set(message.degraded);
    else toParent?.written(message.error);
  });
  if (spec.trace !== undefined) post({ type: 'hop', hop: 'worker' });
  // This thread runs one export: every block published here is its own.
  if (forwardBlocks) blockWritten.subscribe((message) => post({ type: 'block', rows: (message as BlockWritten).rows }));
  runHere(spec, {
    signal: controller.signal,
    pressure,
    ...(toParent === undefined ? {} : { out: toParent.stream }),
    onProgress: ({ rows, bytes, elapsedMs }) => post({ type: 'progress', rows, bytes, elapsedMs }),
    onHop: (hop) => post({ type: 'hop', hop }),
    onQueryWait: (ms) => post({ type: 'queryWait', ms }),
  }, runExport, true).then(
    ({ rows, bytes }) => post({ type: 'done', rows, bytes }),
    (error: unknown) => post({ type: 'failed', error: toWire(error) }),
  ).finally(() => port.close());
}
