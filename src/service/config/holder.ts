/**
 * The service's configuration as one immutable snapshot that a reload swaps whole. Request handlers
 * call current() once per request and use that snapshot throughout, so a request never sees half of
 * an old config and half of a new one; an export keeps the snapshot it was planned with, so a running
 * job finishes under the config it started with.
 *
 * @example
 *   const configs = new ConfigHolder(await loadConfig(file));
 *   app.get('/x', () => configs.current().reports.size);
 *   configs.replace(next);           // listeners (the scheduler) learn of it
 */
import type { ServiceConfig } from './types.js';

export type ConfigListener = (next: ServiceConfig, previous: ServiceConfig) => void;

export class ConfigHolder {
  #current: ServiceConfig;
  readonly #listeners = new Set<ConfigListener>();

  constructor(initial: ServiceConfig) {
    this.#current = initial;
  }

  /** The snapshot to use for one request or one export; never mutated. */
  current(): ServiceConfig {
    return this.#current;
  }

  /**
   * Makes `next` the snapshot for everything that starts from now on, then tells every listener. The swap has
   * happened whatever a listener does: one that throws does not stop the others, and its error is returned.
   */
  replace(next: ServiceConfig): unknown[] {
    const previous = this.#current;
    this.#current = next;
    const errors: unknown[] = [];
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  /** Returns the unsubscribe function. */
  onChange(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
