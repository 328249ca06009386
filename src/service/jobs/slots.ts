/**
 * The per-process export concurrency limit (`limits.concurrentExports`), shared by background
 * jobs and direct downloads so the two together never exceed it.
 */
export type Release = () => void;

export class ExportSlots {
  readonly limit: number;
  #used = 0;
  readonly #freed = new Set<() => void>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** A release function when a slot is free (call it exactly once), else undefined. */
  tryAcquire(): Release | undefined {
    if (this.#used >= this.limit) return undefined;
    this.#used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
      for (const listener of this.#freed) listener();
    };
  }

  /** Called after every release (the queue dispatches its next job). */
  onFreed(listener: () => void): () => void {
    this.#freed.add(listener);
    return () => this.#freed.delete(listener);
  }
}
