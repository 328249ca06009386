/**
 * A fixed-capacity ring of 64-byte latency records in a SharedArrayBuffer, written lock-free from any
 * thread. Memory layout (docs/observability.md):
 *
 *   bytes 0-63           header: write index, drain cursor, capacity, dropped count, overwritten count
 *   bytes 64-…           capacity × 64-byte records (latency-record.ts)
 *   then                 capacity × int32 "lost" markers
 *
 * Write: claim a ticket with Atomics.add on the write index; slot = ticket mod capacity. The slot's
 * sequence word (ticket << 2 | state) is taken with compareExchange, so two writers never fill one
 * slot at once (that needs a writer stalled for a whole lap of the ring: the later one gives up and
 * counts as `dropped`). Fields are stored with Atomics.store, then the sequence flips to committed.
 * Read: words are copied with Atomics.load and kept only if the sequence is the same before and after,
 * so a reader never sees a torn record. Tickets are modulo 2^30.
 */
import { largestIds } from './largest.js';
import { SheetpipeError } from '../errors.js';
import { RECORD_BYTES, RECORD_WORDS, F_LATENCY_NS, W_SEQ, decodeRecord, emptySample, encodeSample, type LatencyRecord, type LatencySample } from './latency-record.js';

const HEADER_BYTES = 64;
const H_WRITE = 0;
const H_DRAIN = 1;
const H_CAPACITY = 2;
const H_DROPPED = 3;
const H_MAGIC = 4;
/** Float64 index of the overwritten count (bytes 32-39), written only by the draining thread. */
const HF_OVERWRITTEN = 4;
const MAGIC = 0x5350_4c52; // "SPLR"
const F64_PER_RECORD = RECORD_WORDS / 2;

const TICKET_MASK = 0x3fff_ffff;
const HALF = 0x2000_0000;
const STATE_EMPTY = 0;
const STATE_WRITING = 1;
const STATE_COMMITTED = 2;
const STATE_LOST = 3;

export const DEFAULT_RING_CAPACITY = 65_536;
const NO_RECORDS = new Uint32Array(0);

export interface LatencyRingCounters {
  /** Tickets claimed so far (modulo 2^30). */
  readonly written: number;
  /** Claimed records the drain cursor skipped: overwritten before they were drained (or abandoned, see dropped). */
  readonly overwritten: number;
  /** Writes refused because another writer held the slot (a writer stalled for a whole lap); write() returned false. */
  readonly dropped: number;
}

function bytesFor(capacity: number): number {
  return HEADER_BYTES + capacity * RECORD_BYTES + capacity * 4;
}

export class LatencyRing {
  readonly capacity: number;
  readonly buffer: SharedArrayBuffer;
  readonly #mask: number;
  readonly #header: Int32Array;
  readonly #headerF64: Float64Array;
  /** Record words for Atomics (sequence and fields). */
  readonly #words: Int32Array;
  /** Same memory as float64, used only to pre-filter by latency before a verified copy. */
  readonly #latency: Float64Array;
  readonly #lost: Int32Array;
  /** Per-instance scratch: a sample is encoded here with plain stores, then copied with Atomics.store. */
  readonly #scratchU32 = new Uint32Array(RECORD_WORDS);
  readonly #scratchF64 = new Float64Array(this.#scratchU32.buffer);
  readonly #scratchI32 = new Int32Array(this.#scratchU32.buffer);
  readonly #readU32 = new Uint32Array(RECORD_WORDS);
  readonly #readF64 = new Float64Array(this.#readU32.buffer);

  /**
   * A new ring with `capacity` records (a power of two, 2 … 2^24), or a view of an existing ring's
   * buffer (`new LatencyRing(ring.buffer)` inside a worker thread).
   */
  constructor(capacityOrBuffer: number | SharedArrayBuffer = DEFAULT_RING_CAPACITY) {
    if (typeof capacityOrBuffer === 'number') {
      const capacity = capacityOrBuffer;
      if (!Number.isInteger(capacity) || capacity < 2 || capacity > 1 << 24 || (capacity & (capacity - 1)) !== 0) {
        throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['latencyRing.capacity', `${capacity} is not a power of two between 2 and 16,777,216`]);
      }
      this.buffer = new SharedArrayBuffer(bytesFor(capacity));
      this.#header = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
      this.#header[H_CAPACITY] = capacity;
      this.#header[H_MAGIC] = MAGIC;
    } else {
      this.buffer = capacityOrBuffer;
      this.#header = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
      const capacity = this.#header[H_CAPACITY]!;
      if (this.#header[H_MAGIC] !== MAGIC || this.buffer.byteLength !== bytesFor(capacity)) {
        throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['latencyRing.buffer', 'the SharedArrayBuffer was not created by LatencyRing']);
      }
    }
    this.capacity = this.#header[H_CAPACITY]!;
    this.#mask = this.capacity - 1;
    this.#headerF64 = new Float64Array(this.buffer, 0, HEADER_BYTES / 8);
    this.#words = new Int32Array(this.buffer, HEADER_BYTES, this.capacity * RECORD_WORDS);
    this.#latency = new Float64Array(this.buffer, HEADER_BYTES, this.capacity * F64_PER_RECORD);
    this.#lost = new Int32Array(this.buffer, HEADER_BYTES + this.capacity * RECORD_BYTES, this.capacity);
  }

  /** A reusable scratch sample for callers of write(). */
  static sample(): LatencySample {
    return emptySample();
  }

  /**
   * Stores a copy of `sample`. Never blocks, never allocates. Returns false only when the slot is held by a
   * writer that is a whole lap behind (counted in `dropped`).
   */
  write(sample: LatencySample): boolean {
    const ticket = Atomics.add(this.#header, H_WRITE, 1) & TICKET_MASK;
    const slot = ticket & this.#mask;
    const seqIndex = slot * RECORD_WORDS + W_SEQ;
    // Bounded: each retry means another writer of this very slot moved in between load and exchange.
    for (let attempt = 0; attempt < 4; attempt++) {
      const current = Atomics.load(this.#words, seqIndex);
      const state = current & 3;
      if (state !== STATE_EMPTY) {
        const ahead = (ticket - (current >>> 2)) & TICKET_MASK;
        if (ahead === 0 || ahead >= HALF) break; // a later lap already owns the slot: ours counts as overwritten
        if (state === STATE_WRITING) {
          Atomics.store(this.#lost, slot, (ticket << 2) | STATE_LOST); // tells the drain not to wait for us
          break;
        }
      }
      if (Atomics.compareExchange(this.#words, seqIndex, current, (ticket << 2) | STATE_WRITING) === current) {
        encodeSample(this.#scratchU32, this.#scratchF64, 0, sample);
        const base = slot * RECORD_WORDS;
        for (let i = 1; i < RECORD_WORDS; i++) Atomics.store(this.#words, base + i, this.#scratchI32[i]!);
        Atomics.store(this.#words, seqIndex, (ticket << 2) | STATE_COMMITTED);
        return true;
      }
    }
    Atomics.add(this.#header, H_DROPPED, 1);
    return false;
  }

  get counters(): LatencyRingCounters {
    const written = Atomics.load(this.#header, H_WRITE) & TICKET_MASK;
    const lag = (written - (Atomics.load(this.#header, H_DRAIN) & TICKET_MASK)) & TICKET_MASK;
    return {
      written,
      overwritten: this.#headerF64[HF_OVERWRITTEN]! + Math.max(0, lag - this.capacity),
      dropped: Atomics.load(this.#header, H_DROPPED) >>> 0,
    };
  }

  get overwritten(): number {
    return this.counters.overwritten;
  }

  /**
   * Copies committed records in ticket order into `out` (RECORD_WORDS words each, word 0 = the ticket) and
   * advances the drain cursor; returns how many. Stops early at a record whose writer has not committed
   * yet. Only one thread may drain (the flusher's).
   */
  drainInto(out: Uint32Array, maxRecords = Math.floor(out.length / RECORD_WORDS)): number {
    const write = Atomics.load(this.#header, H_WRITE) & TICKET_MASK;
    let read = Atomics.load(this.#header, H_DRAIN) & TICKET_MASK;
    let skipped = 0;
    const lag = (write - read) & TICKET_MASK;
    if (lag > this.capacity) {
      skipped += lag - this.capacity;
      read = (write - this.capacity) & TICKET_MASK;
    }
    let count = 0;
    const limit = Math.min(maxRecords, Math.floor(out.length / RECORD_WORDS));
    while (read !== write && count < limit) {
      const slot = read & this.#mask;
      const outcome = this.#copyIfCommitted(slot, read, out, count * RECORD_WORDS);
      if (outcome === 'pending') {
        if (Atomics.load(this.#lost, slot) !== ((read << 2) | STATE_LOST)) break;
        skipped++;
      } else if (outcome === 'copied') {
        out[count * RECORD_WORDS + W_SEQ] = read;
        count++;
      } else {
        skipped++;
      }
      read = (read + 1) & TICKET_MASK;
    }
    this.#headerF64[HF_OVERWRITTEN] = this.#headerF64[HF_OVERWRITTEN]! + skipped;
    Atomics.store(this.#header, H_DRAIN, read);
    return count;
  }

  /**
   * Accounts records that fell out of the ring and moves the drain cursor to the oldest one still held,
   * without reading anything. Call it periodically when nothing drains, so `overwritten` stays exact.
   */
  catchUp(): void {
    this.drainInto(NO_RECORDS, 0);
  }

  /** Drains everything committed so far into decoded records. */
  drain(): LatencyRecord[] {
    const out = new Uint32Array(this.capacity * RECORD_WORDS);
    const f64 = new Float64Array(out.buffer);
    const count = this.drainInto(out);
    const records: LatencyRecord[] = [];
    for (let i = 0; i < count; i++) records.push(decodeRecord(out, f64, i, out[i * RECORD_WORDS]!));
    return records;
  }

  /**
   * Without consuming anything: the `limit` slowest committed records with latency >= minLatencyNs,
   * slowest first (records already drained are included while their slot is not reused).
   */
  slowest(minLatencyNs = 0, limit = this.capacity): LatencyRecord[] {
    const latencies = new Float64Array(this.capacity);
    const slots = new Int32Array(this.capacity);
    let count = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      if ((Atomics.load(this.#words, slot * RECORD_WORDS) & 3) !== STATE_COMMITTED) continue;
      // An unverified read: only a pre-filter, the copy below is verified.
      const latency = this.#latency[slot * F64_PER_RECORD + F_LATENCY_NS]!;
      if (latency >= minLatencyNs) {
        latencies[count] = latency;
        slots[count++] = slot;
      }
    }
    // Only the slowest few are sorted (largest.ts), with spares for records overwritten while being read.
    const keep = Math.min(count, limit * 2 + 16);
    const chosen = keep === count ? slots.subarray(0, count) : largestIds(latencies, slots, count, keep);
    const candidates = Array.from(chosen).sort((a, b) => this.#latency[b * F64_PER_RECORD + F_LATENCY_NS]! - this.#latency[a * F64_PER_RECORD + F_LATENCY_NS]!);
    const records: LatencyRecord[] = [];
    for (const slot of candidates) {
      if (records.length >= limit) break;
      const seq = Atomics.load(this.#words, slot * RECORD_WORDS);
      if (this.#copyIfCommitted(slot, seq >>> 2, this.#readU32, 0) !== 'copied') continue;
      const record = decodeRecord(this.#readU32, this.#readF64, 0, seq >>> 2);
      if (record.latencyNs >= minLatencyNs) records.push(record);
    }
    // More than the spares were overwritten meanwhile (a burst of writes): the full pass, as before.
    if (records.length < limit && keep < count) return this.slowest(minLatencyNs, this.capacity).slice(0, limit);
    return records.sort((a, b) => b.latencyNs - a.latencyNs);
  }

  /** Every committed record currently in the ring, without consuming (slowest first). */
  snapshot(): LatencyRecord[] {
    return this.slowest(0, this.capacity);
  }

  /** Copies slot's words 1.. into out[at+1 ..] if it holds `ticket`, committed, unchanged during the copy. */
  #copyIfCommitted(slot: number, ticket: number, out: Uint32Array, at: number): 'copied' | 'pending' | 'gone' {
    const base = slot * RECORD_WORDS;
    const before = Atomics.load(this.#words, base);
    const state = before & 3;
    const owner = before >>> 2;
    if (state === STATE_COMMITTED && owner === ticket) {
      for (let i = 1; i < RECORD_WORDS; i++) out[at + i] = Atomics.load(this.#words, base + i);
      return Atomics.load(this.#words, base) === before ? 'copied' : 'gone';
    }
    if (state !== STATE_EMPTY) {
      const ahead = (owner - ticket) & TICKET_MASK;
      if (ahead !== 0 && ahead < HALF) return 'gone'; // a later lap reused the slot
    }
    return 'pending';
  }
}
