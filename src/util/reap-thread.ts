import type { Worker } from 'node:worker_threads';

/**
 * A thread that reported its outcome has cleaned up and exits by itself. One still alive after a grace period has
 * leaked something (a handle, a pool) that would keep the process alive: it is terminated then. Not at once:
 * Node 24 aborts the process when a thread is terminated while it still closes zlib handles ("close before init").
 */
export function reapLater(thread: Worker, graceMs = 5_000): void {
  setTimeout(() => void thread.terminate(), graceMs).unref();
}
