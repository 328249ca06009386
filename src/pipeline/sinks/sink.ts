import type { Writable } from 'node:stream';

/**
 * Where the file's bytes go. The writer writes to `stream` and ends it; then the pipeline calls
 * `commit` (success) or `discard` (failure, cancel, timeout) exactly once.
 */
export interface Sink {
  /** The writer's target. A chunk may be reused by its producer once its write callback fired. */
  readonly stream: Writable;
  /** Bytes accepted by the destination so far. */
  readonly bytes: number;
  /** Called with the first error of the destination (disk full, client gone), to stop the export early. */
  onFailure(listener: (error: Error) => void): void;
  /** Makes the output final; resolves to the final path for file sinks. */
  commit(): Promise<string | undefined>;
  /** Drops the output: a file sink removes its temp file; the caller's stream is left as it is. */
  discard(): Promise<void>;
}
