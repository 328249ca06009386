/**
 * The one range of render/compress threads, checked where each interface takes the number (library options, CLI
 * `--threads`, the service's report config, the pipeline), so a value is refused up front, never at run time.
 * More threads than this only adds contention: each chunk is ~1 MiB of XML.
 */
export const MIN_THREADS = 1;
export const MAX_THREADS = 64;

/** True when `threads` is a whole number in [MIN_THREADS, MAX_THREADS]. */
export function isThreadCount(threads: unknown): threads is number {
  return Number.isInteger(threads) && (threads as number) >= MIN_THREADS && (threads as number) <= MAX_THREADS;
}
