/**
 * A direct download whose client stopped reading holds an export slot, a database query and a worker thread for as
 * long as the connection lives: backpressure makes the export wait forever. This watchdog notices it: while output
 * is waiting to be written (the socket's or the response's write buffer is not empty) and none of it has moved for
 * `idleMs`, the client has not read, and `onIdle` runs once. A slow query (nothing waiting to be written) is not the
 * client's fault and never counts.
 *
 * "Moved" is any change of the socket's bytesWritten or of the buffered lengths; a write completes only when the
 * kernel took it, so a client that reads nothing changes nothing. A client slower than about one write chunk
 * (up to ~1 MB) per `idleMs` counts as idle too.
 */
import type { ServerResponse } from 'node:http';

/** Starts watching `response`; answers a function that stops the watch (call it when the download ends). */
export function watchClientReads(response: ServerResponse, idleMs: number, onIdle: () => void): () => void {
  if (!(idleMs > 0)) return () => undefined;
  let last = '';
  let since = Date.now();
  const timer = setInterval(() => {
    const socket = response.socket;
    if (socket === null || response.destroyed) return stop();
    const pending = response.writableLength + socket.writableLength;
    const now = Date.now();
    const state = `${socket.bytesWritten}:${pending}`;
    if (pending === 0 || state !== last) {
      last = state;
      since = now;
      return;
    }
    if (now - since >= idleMs) {
      stop();
      onIdle();
    }
  }, Math.min(1_000, Math.max(50, idleMs / 4)));
  timer.unref();
  function stop(): void {
    clearInterval(timer);
  }
  return stop;
}
