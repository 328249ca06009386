/**
 * Memory pressure as a running export sees it: `degraded` while its process is above the service's first memory
 * level, so the export gives memory back (fewer chunks in flight, one render thread) instead of the process dying.
 * One object per process side: the service's admission sets it, exports in this thread read it; an export thread
 * gets its own copy, kept in step by a message (service/exec/thread-runner.ts).
 */
export class Pressure {
  #degraded: boolean;
  readonly #listeners = new Set<(degraded: boolean) => void>();

  constructor(degraded = false) {
    this.#degraded = degraded;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  set(degraded: boolean): void {
    if (degraded === this.#degraded) return;
    this.#degraded = degraded;
    for (const listener of this.#listeners) listener(degraded);
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (degraded: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
