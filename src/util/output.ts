/**
 * The one output interface: where an export's bytes go, whatever the destination (an atomic file,
 * a caller's stream, a storage upload). The writer writes to `stream` and ends it; its owner then
 * calls `commit` (success) or `discard` (failure, cancel, timeout) once. Implementations:
 * util/atomic-file.ts (temp file, fsync, rename: the one such implementation, also the distributed
 * directory storage's upload), util/stream-output.ts (a caller's Writable), the S3 storage's multipart
 * upload (service/storage/s3-storage.ts). The engine opens its targets with util/open-output.ts.
 */
import type { Writable } from 'node:stream';

export interface Output {
  /** The writer's target, with backpressure. A chunk may be reused by its producer once its write callback fired. */
  readonly stream: Writable;
  /** Bytes accepted by the destination so far. */
  readonly bytes: number;
  /** Called with the first error of the destination (disk full, client gone), to stop the export early. */
  onFailure(listener: (error: Error) => void): void;
  /** Makes the output final (a file renamed, an upload completed); resolves to the final path for files. Its size is `bytes`. */
  commit(): Promise<string | undefined>;
  /**
   * Drops the output: a file removes its temp file, an upload is aborted; a caller's stream is left as it
   * is unless the output owns it (then it is destroyed with `reason`).
   */
  discard(reason?: unknown): Promise<void>;
}

/**
 * An output's first failure, told once to every `onFailure` listener, late ones included: the latch each
 * Output implementation shares, so a listener added after the failure still stops its export.
 */
export class FirstFailure {
  #error: Error | undefined;
  readonly #listeners: ((error: Error) => void)[] = [];

  get error(): Error | undefined {
    return this.#error;
  }

  /** Records `error` if it is the first; later ones are consequences and are dropped. */
  fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    for (const listener of this.#listeners) listener(error);
  }

  onFailure(listener: (error: Error) => void): void {
    if (this.#error) listener(this.#error);
    else this.#listeners.push(listener);
  }
}
