/**
 * A small ring of recent [start, end] intervals (ns, monotonic clock) appended in time order, e.g. GC
 * pauses or event-loop stalls, with the overlap of a time window. Scans newest first and stops at the
 * first interval that ended before the window, so a lookup for a just-finished request touches 0-2 entries.
 */
export class IntervalHistory {
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size = 128) {
    this.#starts = new Float64Array(size);
    this.#ends = new Float64Array(size);
  }

  add(startNs: number, endNs: number): void {
    this.#starts[this.#next] = startNs;
    this.#ends[this.#next] = endNs;
    this.#next = (this.#next + 1) % this.#starts.length;
    if (this.#count < this.#starts.length) this.#count++;
  }

  /** Total ns of recorded intervals inside [fromNs, toNs]. */
  overlapNs(fromNs: number, toNs: number): number {
    let total = 0;
    const size = this.#starts.length;
    for (let i = 1; i <= this.#count; i++) {
      const index = (this.#next - i + size) % size;
      const end = this.#ends[index]!;
      if (end < fromNs) break;
      const overlap = Math.min(end, toNs) - Math.max(this.#starts[index]!, fromNs);
      if (overlap > 0) total += overlap;
    }
    return total;
  }
}
