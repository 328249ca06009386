import type { ExportProgress } from './types.js';

const INTERVAL_MS = 100;

/**
 * Calls `onProgress` at most 10 times a second from a timer, so elapsed time keeps moving while
 * the database is still computing the first row; `sample` reads live counters.
 */
export function startProgressTicker(
  onProgress: ((progress: ExportProgress) => void) | undefined,
  sample: () => ExportProgress,
): { stop(final: boolean): void } {
  if (!onProgress) return { stop() {} };
  const timer = setInterval(() => onProgress(sample()), INTERVAL_MS);
  return {
    stop(final) {
      clearInterval(timer);
      if (final) onProgress(sample());
    },
  };
}
