/**
 * A bounded FIFO between the source cursor (producer) and the writer (consumer).
 * The producer awaits `push` while the queue is full, so at most `capacity` batches wait
 * here whatever the row count: the writer's own backpressure (its `addBatch` promise)
 * reaches the database through this queue.
 */
export class BatchQueue<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #ended = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  /** Wakes the consumer waiting in `shift`. */
  #onItem: (() => void) | undefined;
  /** Wakes the producer waiting in `push`. */
  #onSpace: (() => void) | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an item, waiting while the queue is full. Resolves false once the consumer closed the queue. */
  async push(item: T): Promise<boolean> {
    while (this.#items.length >= this.#capacity && !this.#closed) {
      await new Promise<void>((resolve) => (this.#onSpace = resolve));
    }
    if (this.#closed) return false;
    this.#items.push(item);
    this.#wake('item');
    return true;
  }

  /** The producer is done: `shift` returns undefined once the queue is drained. */
  end(): void {
    this.#ended = true;
    this.#wake('item');
  }

  /** The producer failed: the consumer's next `shift` rejects with this error. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wake('item');
  }

  /** The consumer stops: pending and later pushes resolve false, queued items are dropped. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    this.#wake('space');
  }

  /** Next item in order; undefined after `end` once drained; rejects after `fail`. */
  async shift(): Promise<T | undefined> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      if (this.#items.length > 0) {
        const item = this.#items.shift() as T;
        this.#wake('space');
        return item;
      }
      if (this.#ended || this.#closed) return undefined;
      await new Promise<void>((resolve) => (this.#onItem = resolve));
    }
  }

  #wake(which: 'item' | 'space'): void {
    const wake = which === 'item' ? this.#onItem : this.#onSpace;
    if (which === 'item') this.#onItem = undefined;
    else this.#onSpace = undefined;
    wake?.();
  }
}
