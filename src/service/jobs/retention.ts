/** Runs a sweep of expired jobs periodically: often enough that a retention of seconds is honoured. */
import type { ServiceLogger } from './runner.js';

export class RetentionSweeper {
  readonly #intervalMs: number;
  readonly #sweep: () => Promise<number>;
  readonly #log: ServiceLogger;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  /** Sweeps every quarter of the retention, between 100 ms and a minute. */
  constructor(retentionMs: number, sweep: () => Promise<number>, log: ServiceLogger) {
    this.#intervalMs = Math.min(Math.max(retentionMs / 4, 100), 60_000);
    this.#sweep = sweep;
    this.#log = log;
  }

  start(): void {
    this.#timer = setInterval(() => void this.runOnce(), this.#intervalMs);
    this.#timer.unref();
    void this.runOnce();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep; skipped while the previous one is still deleting files. */
  async runOnce(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const removed = await this.#sweep();
      if (removed > 0) this.#log.info({ removed }, 'removed expired exports');
    } catch (error) {
      this.#log.error({ err: error }, 'retention sweep failed');
    } finally {
      this.#busy = false;
    }
  }
}
