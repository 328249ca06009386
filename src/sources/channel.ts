/**
 * Turns a driver's row events into batches pulled by the cursor, with backpressure: once
 * `limit` full batches wait unread, the driver is paused (no more rows read from the socket)
 * until the cursor takes one. Memory stays at most limit + 1 batches, whatever the result size.
 */
export class RowChannel {
  readonly #size: number;
  readonly #limit: number;
  readonly #pause: () => void;
  readonly #resume: () => void;
  readonly #full: unknown[][][] = [];
  #current: unknown[][] = [];
  #paused = false;
  #ended = false;
  #error: unknown;
  #failed = false;
  #wake: (() => void) | undefined;

  constructor(size: number, limit: number, pause: () => void, resume: () => void) {
    this.#size = size;
    this.#limit = limit;
    this.#pause = pause;
    this.#resume = resume;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get failed(): boolean {
    return this.#failed;
  }

  push(row: unknown[]): void {
    this.#current.push(row);
    if (this.#current.length < this.#size) return;
    this.#full.push(this.#current);
    this.#current = [];
    if (this.#full.length >= this.#limit && !this.#paused) {
      this.#paused = true;
      this.#pause();
    }
    this.#notify();
  }

  end(): void {
    if (this.#current.length > 0) this.#full.push(this.#current);
    this.#current = [];
    this.#ended = true;
    this.#notify();
  }

  /** The first failure wins; later rows and failures are ignored. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#notify();
  }

  /** The next full batch, undefined after the last, or the failure. */
  async take(): Promise<unknown[][] | undefined> {
    for (;;) {
      if (this.#failed) throw this.#error;
      const batch = this.#full.shift();
      if (batch !== undefined) {
        if (this.#paused && this.#full.length < this.#limit) {
          this.#paused = false;
          this.#resume();
        }
        return batch;
      }
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
