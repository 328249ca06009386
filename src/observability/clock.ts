/**
 * One monotonic clock for every thread: nanoseconds on the `process.hrtime` scale, as a double.
 * `performance.now()` has a per-thread origin, so each thread measures its offset to hrtime once;
 * after that a reading is one `performance.now()` call and allocates nothing (no BigInt).
 * A double holds whole nanoseconds exactly for 104 days of machine uptime, then loses 1 ns per doubling.
 */
import { performance } from 'node:perf_hooks';

const offsetNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;

/** Nanoseconds on the process-wide monotonic clock (the `process.hrtime.bigint()` scale). */
export function monotonicNs(): number {
  return performance.now() * 1e6 + offsetNs;
}

/** Converts a `performance.now()`-scale time of this thread (e.g. a PerformanceEntry's startTime) to monotonicNs. */
export function perfMsToMonotonicNs(ms: number): number {
  return ms * 1e6 + offsetNs;
}
