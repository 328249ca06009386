/**
 * The cursors a source has running, so that closing the source closes them all; and whether the source is closed,
 * so that no new connection is taken after that. Each source owns one; a cursor calls its source's `forget` when
 * it has released its connection.
 */
import type { BatchCursor } from './cursor.js';

export class OpenCursors<C extends BatchCursor> {
  readonly #cursors = new Set<C>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Tracks `cursor` and starts it (its query runs; on failure it has released what it took). */
  start(cursor: C): Promise<C> {
    this.#cursors.add(cursor);
    return cursor.start();
  }

  forget(cursor: C): void {
    this.#cursors.delete(cursor);
  }

  /** Marks the source closed and closes every cursor still open. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#cursors].map((cursor) => cursor.close()));
  }
}
