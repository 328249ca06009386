/**
 * The fixed 64-byte latency record, shared by the ring (SharedArrayBuffer slots), the flushed
 * file and the report. Layout, in 32-bit little-endian words (docs/observability.md has the table):
 *
 *   word  0      sequence: in the ring (ticket << 2 | state); in a file, the ring ticket
 *   word  1      route id (bits 0-15) | HTTP status (bits 16-31)
 *   word  2      flags (bits 0-15) | sample weight (bits 16-31; 1 = kept unconditionally)
 *   word  3      time to first byte, µs
 *   words 4-7    trace id, 128 bits, most significant word first
 *   words 8-9    start time, ns on the process monotonic clock (float64)
 *   words 10-11  latency, ns (float64)
 *   word 12      time queued, µs          word 13  event-loop stall during the request, µs
 *   word 14      GC pause during the request, µs   word 15  time waiting for the database, µs
 */

export const RECORD_BYTES = 64;
export const RECORD_WORDS = RECORD_BYTES / 4;

export const W_SEQ = 0;
export const W_ROUTE_STATUS = 1;
export const W_FLAGS_WEIGHT = 2;
export const W_TTFB_US = 3;
export const W_TRACE = 4;
/** Float64 index (within the record) of the start time and the latency. */
export const F_START_NS = 4;
export const F_LATENCY_NS = 5;
export const W_QUEUED_US = 12;
export const W_LOOP_US = 13;
export const W_GC_US = 14;
export const W_DB_US = 15;

export const FLAG_GC = 1;
export const FLAG_STREAMED = 2;
/** Kept because it was slower than the sampler's threshold (not by the per-route rate). */
export const FLAG_SLOW = 4;

const U32_MAX = 0xffffffff;

/**
 * A mutable scratch record that writers fill and pass to `LatencyRing.write`. Reuse one per thread:
 * the write path copies numbers out of it and allocates nothing.
 */
export interface LatencySample {
  /** Trace id as four u32 words, most significant first (see `traceIdWords`). */
  trace0: number;
  trace1: number;
  trace2: number;
  trace3: number;
  startNs: number;
  latencyNs: number;
  routeId: number;
  status: number;
  flags: number;
  /** 1 / sampling rate, rounded; 1 for records kept unconditionally. */
  weight: number;
  ttfbUs: number;
  queuedUs: number;
  eventLoopUs: number;
  gcUs: number;
  dbUs: number;
}

export function emptySample(): LatencySample {
  return { trace0: 0, trace1: 0, trace2: 0, trace3: 0, startNs: 0, latencyNs: 0, routeId: 0, status: 0, flags: 0, weight: 1, ttfbUs: 0, queuedUs: 0, eventLoopUs: 0, gcUs: 0, dbUs: 0 };
}

/** A decoded record (reader side: snapshot, file, report). */
export interface LatencyRecord {
  /** The ring ticket (write order, modulo 2^30). */
  readonly ticket: number;
  readonly traceId: string;
  readonly routeId: number;
  readonly status: number;
  /** Mutable, like gcUs and eventLoopUs, for refinement (FLAG_GC). */
  flags: number;
  readonly weight: number;
  readonly startNs: number;
  readonly latencyNs: number;
  readonly ttfbUs: number;
  readonly queuedUs: number;
  /** Mutable so a reader can refine it with GC pauses / stalls reported after the write. */
  eventLoopUs: number;
  gcUs: number;
  readonly dbUs: number;
}

/** Clamps a µs amount into a u32 word (saturating at ~71 minutes). */
export function toU32(value: number): number {
  return value <= 0 ? 0 : value >= U32_MAX ? U32_MAX : value >>> 0;
}

/** Writes `sample` into `u32`/`f64` views at record index `slot` (every word but the sequence). */
export function encodeSample(u32: Uint32Array, f64: Float64Array, slot: number, sample: LatencySample): void {
  const w = slot * RECORD_WORDS;
  u32[w + W_ROUTE_STATUS] = (sample.routeId & 0xffff) | ((sample.status & 0xffff) << 16);
  u32[w + W_FLAGS_WEIGHT] = (sample.flags & 0xffff) | ((Math.min(Math.max(sample.weight, 1), 0xffff) & 0xffff) << 16);
  u32[w + W_TTFB_US] = toU32(sample.ttfbUs);
  u32[w + W_TRACE] = sample.trace0;
  u32[w + W_TRACE + 1] = sample.trace1;
  u32[w + W_TRACE + 2] = sample.trace2;
  u32[w + W_TRACE + 3] = sample.trace3;
  f64[slot * 8 + F_START_NS] = sample.startNs;
  f64[slot * 8 + F_LATENCY_NS] = sample.latencyNs;
  u32[w + W_QUEUED_US] = toU32(sample.queuedUs);
  u32[w + W_LOOP_US] = toU32(sample.eventLoopUs);
  u32[w + W_GC_US] = toU32(sample.gcUs);
  u32[w + W_DB_US] = toU32(sample.dbUs);
}

function hex8(word: number): string {
  return word.toString(16).padStart(8, '0');
}

/** Decodes record `slot` of the views; `ticket` is supplied by the caller (the sequence word differs by medium). */
export function decodeRecord(u32: Uint32Array, f64: Float64Array, slot: number, ticket: number): LatencyRecord {
  const w = slot * RECORD_WORDS;
  const routeStatus = u32[w + W_ROUTE_STATUS]!;
  const flagsWeight = u32[w + W_FLAGS_WEIGHT]!;
  return {
    ticket,
    traceId: hex8(u32[w + W_TRACE]!) + hex8(u32[w + W_TRACE + 1]!) + hex8(u32[w + W_TRACE + 2]!) + hex8(u32[w + W_TRACE + 3]!),
    routeId: routeStatus & 0xffff,
    status: routeStatus >>> 16,
    flags: flagsWeight & 0xffff,
    weight: flagsWeight >>> 16 || 1,
    startNs: f64[slot * 8 + F_START_NS]!,
    latencyNs: f64[slot * 8 + F_LATENCY_NS]!,
    ttfbUs: u32[w + W_TTFB_US]!,
    queuedUs: u32[w + W_QUEUED_US]!,
    eventLoopUs: u32[w + W_LOOP_US]!,
    gcUs: u32[w + W_GC_US]!,
    dbUs: u32[w + W_DB_US]!,
  };
}

/** Splits a 32-hex trace id into four u32 words (most significant first) into `into`. Invalid hex yields NaN -> 0 words. */
export function traceIdWords(traceId: string, into: LatencySample): void {
  into.trace0 = Number.parseInt(traceId.slice(0, 8), 16) >>> 0;
  into.trace1 = Number.parseInt(traceId.slice(8, 16), 16) >>> 0;
  into.trace2 = Number.parseInt(traceId.slice(16, 24), 16) >>> 0;
  into.trace3 = Number.parseInt(traceId.slice(24, 32), 16) >>> 0;
}

/** The fields attribution and refinement read and write; both LatencyRecord and RecordView have them. */
export interface RecordAmounts {
  readonly startNs: number;
  readonly latencyNs: number;
  readonly queuedUs: number;
  readonly dbUs: number;
  gcUs: number;
  eventLoopUs: number;
  flags: number;
}

/**
 * A movable view of one record inside u32/f64 arrays (a drained chunk, a file), read and written in
 * place: lets the flusher and the report handle millions of records without an object per record.
 */
export class RecordView implements RecordAmounts {
  #u32: Uint32Array;
  #f64: Float64Array;
  #w = 0;
  #f = 0;

  constructor(u32: Uint32Array, f64: Float64Array = new Float64Array(u32.buffer, u32.byteOffset, u32.length / 2)) {
    this.#u32 = u32;
    this.#f64 = f64;
  }

  at(index: number): this {
    this.#w = index * RECORD_WORDS;
    this.#f = index * (RECORD_WORDS / 2);
    return this;
  }

  get routeId(): number { return this.#u32[this.#w + W_ROUTE_STATUS]! & 0xffff; }
  get status(): number { return this.#u32[this.#w + W_ROUTE_STATUS]! >>> 16; }
  get weight(): number { return this.#u32[this.#w + W_FLAGS_WEIGHT]! >>> 16 || 1; }
  get flags(): number { return this.#u32[this.#w + W_FLAGS_WEIGHT]! & 0xffff; }
  set flags(value: number) { this.#u32[this.#w + W_FLAGS_WEIGHT] = (this.#u32[this.#w + W_FLAGS_WEIGHT]! & 0xffff0000) | (value & 0xffff); }
  get startNs(): number { return this.#f64[this.#f + F_START_NS]!; }
  get latencyNs(): number { return this.#f64[this.#f + F_LATENCY_NS]!; }
  get queuedUs(): number { return this.#u32[this.#w + W_QUEUED_US]!; }
  get dbUs(): number { return this.#u32[this.#w + W_DB_US]!; }
  get gcUs(): number { return this.#u32[this.#w + W_GC_US]!; }
  set gcUs(value: number) { this.#u32[this.#w + W_GC_US] = toU32(value); }
  get eventLoopUs(): number { return this.#u32[this.#w + W_LOOP_US]!; }
  set eventLoopUs(value: number) { this.#u32[this.#w + W_LOOP_US] = toU32(value); }
}
