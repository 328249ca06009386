/**
 * The rows of the chunk being filled, as the sheet writer and the template writer both collect them: packed values
 * (addBatch) or rows still in their source's encoding (addEncoded), never both at once, since a chunk goes to a worker
 * as one or the other.
 */
import { EncodedChunk, type EncodedRows, type RowDecoder } from './encoded-rows.js';
import { rowDecoder } from './row-encodings.js';
import type { PackedRows, RowPacker } from './row-packer.js';
import type { Row } from './types.js';

/** A little over deflate's 32 KiB window, since row sizes are estimates: the overlap re-rendered as the dictionary. */
const DICTIONARY_BYTES = 36 * 1024;

export class ChunkRows {
  readonly packed: RowPacker;
  readonly encoded = new EncodedChunk();

  constructor(packer: RowPacker) {
    this.packed = packer;
  }

  get rows(): number {
    return this.encoded.rows > 0 ? this.encoded.rows : this.packed.rows;
  }

  get isEncoded(): boolean {
    return this.encoded.rows > 0;
  }

  /** Rows `from` to the end, in buffers of their own, ready to transfer to a worker. */
  copy(from = 0): PackedRows | EncodedRows {
    return this.isEncoded ? this.encoded.copy(from) : this.packed.copy(from);
  }

  /** The last rows, whose rendering primes the next chunk's deflate dictionary, with the index of the first. */
  overlap(bytesPerRow: number): { rows: PackedRows | EncodedRows; start: number } {
    const count = Math.min(this.rows, Math.ceil(DICTIONARY_BYTES / bytesPerRow) + 1);
    const start = this.rows - count;
    return { rows: this.copy(start), start };
  }

  reset(): void {
    this.packed.reset();
    this.encoded.reset();
  }
}

/**
 * Decodes rows of an encoded batch on this thread, by index: only for the few rows a writer samples. The decoder is
 * looked up on first use, so a batch none of whose rows is sampled costs nothing.
 */
export function batchDecoder(batch: EncodedRows): (r: number) => Row {
  let decoder: RowDecoder | undefined;
  return (r) => (decoder ??= rowDecoder(batch.encoding, batch.spec)).decode(batch.bytes, batch.offsets[r] as number, batch.offsets[r + 1] as number, batch.firstRow + r);
}
