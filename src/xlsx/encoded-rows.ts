/**
 * Rows still in their source's own encoding (e.g. PostgreSQL DataRow messages as the server sent them), added to a
 * sheet with `SheetWriter.addEncoded`. The main thread only cuts them at row boundaries; the render workers decode
 * them with a decoder rebuilt from the plain-data `spec` (row-encodings.ts) and render them like packed rows, so no
 * row is turned into JavaScript values on the main thread except the few the sheet writer samples.
 */
import type { RowPacker } from './row-packer.js';
import type { CellValue } from './types.js';

export interface EncodedRows {
  /** Which decoder reads the bytes (a key of row-encodings.ts). */
  readonly encoding: string;
  /** The decoder's per-column choices: plain data, structured-cloned to the workers. */
  readonly spec: unknown;
  readonly bytes: Uint8Array;
  /** `rows + 1` offsets into `bytes`: row i is `bytes[offsets[i], offsets[i + 1])`. */
  readonly offsets: Uint32Array;
  readonly rows: number;
  /** 1-based number of the first row in its source's result, for errors that name a row. */
  readonly firstRow: number;
}

/** Decodes one encoded row into cells; `rowNumber` is its 1-based source row (errors name it). */
export interface RowDecoder {
  decode(bytes: Uint8Array, start: number, end: number, rowNumber: number): CellValue[];
  /** Packs the row straight into `packer` (same cells as `decode`, fewer strings made on the way), when it can. */
  pack?(bytes: Uint8Array, start: number, end: number, rowNumber: number, packer: RowPacker): void;
}

/**
 * A sheet chunk's encoded rows, appended batch by batch (one encoding, one spec, consecutive source rows) and
 * copied out into buffers of their own, so they can be transferred to a worker.
 */
export class EncodedChunk {
  #bytes: Uint8Array = new Uint8Array(256 * 1024);
  #offsets: Uint32Array = new Uint32Array(1025);
  #rows = 0;
  #from: EncodedRows | undefined;
  #firstRow = 0;

  get rows(): number {
    return this.#rows;
  }

  /** True when rows of `batch` starting at `from` can follow the rows held (same encoding and spec, next row). */
  accepts(batch: EncodedRows, from: number): boolean {
    const held = this.#from;
    return this.#rows === 0 || (held !== undefined && held.encoding === batch.encoding && held.spec === batch.spec && this.#firstRow + this.#rows === batch.firstRow + from);
  }

  /** Appends rows `from` to `to` of `batch` (check `accepts` first). */
  append(batch: EncodedRows, from: number, to: number): void {
    if (this.#rows === 0) {
      this.#from = batch;
      this.#firstRow = batch.firstRow + from;
    }
    const start = batch.offsets[from] as number;
    const size = (batch.offsets[to] as number) - start;
    const length = this.#offsets[this.#rows] as number;
    if (length + size > this.#bytes.length) this.#bytes = grown(this.#bytes, length, length + size);
    this.#bytes.set(batch.bytes.subarray(start, start + size), length);
    if (this.#rows + (to - from) + 1 > this.#offsets.length) this.#offsets = grownOffsets(this.#offsets, this.#rows + (to - from) + 1);
    for (let i = from + 1; i <= to; i++) this.#offsets[++this.#rows] = length + (batch.offsets[i] as number) - start;
  }

  /** Rows `from` to the end, in buffers of their own; the chunk is unchanged. */
  copy(from = 0): EncodedRows {
    const held = this.#from as EncodedRows;
    const start = this.#offsets[from] as number;
    const bytes = this.#bytes.slice(start, this.#offsets[this.#rows] as number);
    const offsets = new Uint32Array(this.#rows - from + 1);
    for (let i = from; i <= this.#rows; i++) offsets[i - from] = (this.#offsets[i] as number) - start;
    return { encoding: held.encoding, spec: held.spec, bytes, offsets, rows: this.#rows - from, firstRow: this.#firstRow + from };
  }

  reset(): void {
    // A buffer grown far past a chunk's usual size by one chunk of huge rows is not kept for the next.
    if (this.#bytes.length > 8 * 1024 * 1024) this.#bytes = new Uint8Array(256 * 1024);
    this.#rows = 0;
    this.#from = undefined;
  }
}

function grown(bytes: Uint8Array, length: number, needed: number): Uint8Array {
  const next = new Uint8Array(Math.max(needed, bytes.length * 2));
  next.set(bytes.subarray(0, length));
  return next;
}

function grownOffsets(offsets: Uint32Array, needed: number): Uint32Array {
  const next = new Uint32Array(Math.max(needed, offsets.length * 2));
  next.set(offsets);
  return next;
}
