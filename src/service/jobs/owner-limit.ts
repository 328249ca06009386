/**
 * Running exports per token (`limits.runningExportsPerToken`), so one token's slow or unread downloads cannot hold
 * every export slot while everyone else waits. Tokens with `"*"` (operators) and scheduled jobs (no owner) are not
 * limited. Jobs over the limit wait in the queue (others' jobs pass them); downloads over it wait, like a download
 * waiting for a slot, and get 429 when the wait runs out.
 */
import type { Release } from './slots.js';

export class RunningPerOwner {
  readonly #running = new Map<string, number>();
  readonly #limitOf: (owner: string) => number;
  readonly #released = new Set<(owner: string) => void>();

  /** `limitOf(owner)`: how many exports the owner may run at once (read per start, so a reload applies). */
  constructor(limitOf: (owner: string) => number) {
    this.#limitOf = limitOf;
  }

  mayStart(owner: string | null): boolean {
    return owner === null || this.running(owner) < this.#limitOf(owner);
  }

  running(owner: string): number {
    return this.#running.get(owner) ?? 0;
  }

  limitOf(owner: string): number {
    return this.#limitOf(owner);
  }

  /** Counts one running export of `owner` until the returned release (idempotent) is called. */
  start(owner: string | null): Release {
    if (owner === null) return () => undefined;
    this.#running.set(owner, this.running(owner) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.running(owner) - 1;
      if (left > 0) this.#running.set(owner, left);
      else this.#running.delete(owner);
      for (const listener of this.#released) listener(owner);
    };
  }

  /** Resolves once `owner` may start another export; rejects with the signal's reason if it aborts first. */
  async whenFree(owner: string | null, signal: AbortSignal): Promise<void> {
    while (!this.mayStart(owner)) {
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          this.#released.delete(onRelease);
          signal.removeEventListener('abort', onAbort);
        };
        const onRelease = (released: string): void => {
          if (released !== owner) return;
          done();
          resolve();
        };
        const onAbort = (): void => {
          done();
          reject(signal.reason);
        };
        this.#released.add(onRelease);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
