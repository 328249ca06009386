/**
 * Undecoded rows framed off a database socket (pg-wire.ts, mysql-wire.ts), copied as they are into batches of at
 * most BATCH_ROWS rows or ~BATCH_BYTES bytes, with offsets at row boundaries.
 */
import { BATCH_ROWS } from './cursor.js';

/** Row bodies as the server sent them: row i is `bytes[offsets[i], offsets[i + 1])`. */
export interface WireBatch {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly rows: number;
}

/** A batch is also cut at this size, so wide rows do not make huge batches. */
const BATCH_BYTES = 1024 * 1024;

export class BatchBuilder {
  bytes = Buffer.allocUnsafe(64 * 1024);
  offsets = new Uint32Array(BATCH_ROWS + 1);
  rows = 0;
  length = 0;

  add(chunk: Buffer, start: number, end: number): void {
    const size = end - start;
    if (this.length + size > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + size, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    chunk.copy(this.bytes, this.length, start, end);
    this.length += size;
    this.offsets[++this.rows] = this.length;
  }

  get full(): boolean {
    return this.rows === BATCH_ROWS || this.length >= BATCH_BYTES;
  }

  take(): WireBatch {
    const batch = { bytes: this.bytes.subarray(0, this.length), offsets: this.offsets.subarray(0, this.rows + 1), rows: this.rows };
    this.bytes = Buffer.allocUnsafe(Math.min(Math.max(64 * 1024, this.length), 2 * BATCH_BYTES));
    this.offsets = new Uint32Array(BATCH_ROWS + 1);
    this.rows = 0;
    this.length = 0;
    return batch;
  }
}
