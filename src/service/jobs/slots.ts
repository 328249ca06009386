/**
 * The per-process export concurrency limit (`limits.concurrentExports`), shared by background
 * jobs and direct downloads so the two together never exceed it. A direct download may wait for a
 * slot (`acquire`): a freed slot goes to the longest-waiting download first, since a client holds
 * its connection open, and only otherwise to the job queue (`onFreed`).
 */
export type Release = () => void;

interface Waiter {
  readonly resolve: (release: Release) => void;
  readonly reject: (reason: unknown) => void;
}

export class ExportSlots {
  readonly limit: number;
  #used = 0;
  readonly #freed = new Set<() => void>();
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Downloads waiting in acquire(). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** A release function when a slot is free (call it exactly once), else undefined. */
  tryAcquire(): Release | undefined {
    if (this.#used >= this.limit || this.#waiters.length > 0) return undefined;
    this.#used++;
    return this.#releaser();
  }

  /**
   * Waits (first come, first served) for a slot; rejects with the signal's reason if it aborts first.
   * @example const release = await slots.acquire(AbortSignal.any([clientGone, AbortSignal.timeout(30_000)]));
   */
  acquire(signal: AbortSignal): Promise<Release> {
    const now = this.tryAcquire();
    if (now !== undefined) return Promise.resolve(now);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject: (reason) => {
          signal.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      this.#waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Rejects every waiting acquire() with `reason` (shutdown: a waiting download must not start). */
  rejectWaiting(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  /** Called after every release that left a slot free (the queue dispatches its next job). */
  onFreed(listener: () => void): () => void {
    this.#freed.add(listener);
    return () => this.#freed.delete(listener);
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // The slot passes straight to the next waiter: it stays used, nobody can take it in between.
      if (next !== undefined) return next.resolve(this.#releaser());
      this.#used--;
      for (const listener of this.#freed) listener();
    };
  }
}
