/**
 * Output to a caller's Writable (stdout, an HTTP response). Each chunk is forwarded and its
 * callback fires only after the destination's own write callback, so backpressure reaches the
 * writer and a chunk is never still referenced by the destination when its producer reuses it.
 * On success the destination is ended once; on failure it is left open for its owner to decide
 * (the service destroys a response so the client sees a truncated transfer, not a complete file),
 * unless the output owns it (the engine's Writable targets): then discard destroys it with the reason.
 */
import { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';
import { finishStream } from './finish-stream.js';
import { FirstFailure, type Output } from './output.js';

class StreamSink implements Output {
  readonly stream: Writable;
  #bytes = 0;
  readonly #failure = new FirstFailure();
  readonly #detach: () => void;
  readonly #owned: Writable | undefined;

  constructor(destination: Writable, name: string, owns: boolean) {
    this.#owned = owns ? destination : undefined;
    // An owned destination is destroyed with the export's error: that error is the caller's through the export,
    // not an uncaught 'error' event (it stays recorded as destination.errored).
    if (owns) destination.on('error', () => undefined);
    const fail = (error: Error): void => {
      if (this.#failure.error) return;
      this.#failure.fail(error instanceof SheetpipeError ? error : new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [name, error.message], { cause: error }));
    };
    const onError = (error: Error): void => fail(error);
    let ending = false;
    // A destination closed before we ended it (a client that went away) cannot take the file.
    // Our own flag, not writableFinished: process.stdout reports false there even after end().
    const onClose = (): void => {
      if (!ending) fail(new Error('the destination closed before the file was complete'));
    };
    destination.on('error', onError);
    destination.on('close', onClose);
    this.#detach = () => {
      destination.off('error', onError);
      destination.off('close', onClose);
    };
    this.stream = new Writable({
      // An owned destination (the engine's target) keeps its own buffer size: backpressure reaches the writer as if unwrapped.
      highWaterMark: owns ? destination.writableHighWaterMark : 1 << 20,
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.#failure.error) return callback(this.#failure.error);
        destination.write(chunk, (error) => {
          if (error) {
            fail(error);
            return callback(this.#failure.error);
          }
          this.#bytes += chunk.length;
          callback();
        });
      },
      final: (callback) => {
        if (this.#failure.error) return callback(this.#failure.error);
        ending = true;
        destination.end(() => callback(this.#failure.error));
      },
    });
    this.stream.on('error', fail);
  }

  get bytes(): number {
    return this.#bytes;
  }

  onFailure(listener: (error: Error) => void): void {
    this.#failure.onFailure(listener);
  }

  async commit(): Promise<undefined> {
    try {
      if (this.#failure.error) throw this.#failure.error;
      await finishStream(this.stream);
      if (this.#failure.error) throw this.#failure.error;
    } finally {
      this.#detach();
    }
    return undefined;
  }

  async discard(reason?: unknown): Promise<void> {
    this.#detach();
    this.stream.destroy();
    if (this.#owned && !this.#owned.destroyed) this.#owned.destroy(reason instanceof Error ? reason : new Error(String(reason)));
  }
}

/**
 * Wraps a caller's Writable; `name` says what it is in messages (e.g. `standard output`). `owns`: discard
 * destroys the destination too (the engine's contract for a Writable target).
 */
export function openStreamSink(destination: Writable, name = 'stream', owns = false): Output {
  return new StreamSink(destination, name, owns);
}
