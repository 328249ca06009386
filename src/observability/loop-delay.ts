/**
 * Event-loop delay without the sampling timer's own interval. monitorEventLoopDelay records the time between two
 * runs of its timer, which is the resolution plus the delay: at `resolution: 10` an idle loop reads ~10.2 ms. The
 * delay is that minus the resolution (clamped at 0). A 1 ms resolution would lower the floor to ~1 ms but wakes
 * the process 1,000 times a second: measured idle on the 2-core CI machine (10 s each, two runs), see
 * docs/observability.md; 10 ms with the subtraction reads ~0.1–0.3 ms idle at 100 wake-ups a second.
 */
import type { IntervalHistogram } from 'node:perf_hooks';

/** The loop delay (ms) at `percentile` (0–100), or 0 when the histogram holds no sample yet. */
export function loopDelayMs(histogram: IntervalHistogram, resolutionMs: number, percentile: number): number {
  if (histogram.count === 0) return 0;
  return Math.max(0, histogram.percentile(percentile) / 1e6 - resolutionMs);
}

/** The largest delay (ms) seen, without the resolution. */
export function maxLoopDelayMs(histogram: IntervalHistogram, resolutionMs: number): number {
  return histogram.count === 0 ? 0 : Math.max(0, histogram.max / 1e6 - resolutionMs);
}
