/**
 * The chunk format between the main thread and the render workers: rows packed into one byte buffer as they
 * arrive, one tag byte per cell followed by its payload, instead of arrays of JS values sent by structured clone.
 *
 * Why: a V8 CPU profile of the 1M-row PostgreSQL export spent ~1 µs a row serialising row arrays on the main thread,
 * ~0.8 µs deserialising them in a worker, and 15–20 % of every thread in GC, because rows held until their chunk
 * filled were promoted to the old generation. Packing at `addBatch` lets each row die young, sends one flat
 * transferable buffer per chunk, and settles the fast-path checks (plain ASCII text, shared-string index) once.
 *
 *   tag  payload
 *   END                     end of row
 *   EMPTY                   absent cell (null, undefined, '')
 *   NUMBER  f64             any number; the renderer handles non-finite and unsafe integers as before
 *   PLAIN   u32 len, bytes  text that is printable ASCII with nothing to escape or preserve (latin1)
 *   TEXT    u32 len, bytes  any other text (UTF-8; lone surrogates become U+FFFD, as the XML writer does anyway)
 *   TRUE / FALSE
 *   DATE    f64             epoch milliseconds (NaN for an Invalid Date)
 *   SHARED  u32             index into the workbook's shared-string table
 *   OTHER   u32             index into the chunk's `others` array (minus `othersBase` in a tail copy): bigints,
 *                           formulas, anything unusual
 *   DIGITS  u32 len, bytes  a number's ASCII text exactly as JavaScript prints its double (an integer of at most
 *                           15 digits, or a decimal of at most 15 significant digits in plain notation), copied
 *                           from a source's text encoding and written into `<v>` as it is (addDigits)
 */
import { MAX_CELL_TEXT } from './cell-ref.js';
import type { CellValue, Row } from './types.js';
import { needsPreserve } from './xml.js';

export const enum CellTag {
  End = 0,
  Empty = 1,
  Number = 2,
  Plain = 3,
  Text = 4,
  True = 5,
  False = 6,
  Date = 7,
  Shared = 8,
  Other = 9,
  Digits = 10,
}

const INITIAL_BYTES = 64 * 1024;
/** A packed chunk is ~0.5 MB; a buffer grown far past that by one chunk of huge cells is not kept for the next. */
const KEEP_BYTES = 8 * 1024 * 1024;

/** Printable ASCII with nothing to escape (tab and LF are fine). */
const PLAIN_ASCII = /^[\t\n\x20-\x25\x27-\x3B\x3D\x3F-\x7E]*$/;
const LITERAL_ESCAPE = /_x[0-9A-Fa-f]{4}_/;

/** True when `text` goes into `<t>` as it is: the renderer's fast path. */
function isPlainText(text: string): boolean {
  // indexOf first: most text has no `_` (this order cut rendering by 2.7 % of callgrind Ir when it ran per cell).
  return text.length <= MAX_CELL_TEXT && PLAIN_ASCII.test(text) && (text.indexOf('_') < 0 || !LITERAL_ESCAPE.test(text)) && !needsPreserve(text);
}

/** Bytes of ASCII space and below: a text that starts or ends with one needs `xml:space="preserve"`. */
const SPACE = 0x20;

/**
 * isPlainText for UTF-8 bytes, stricter (any `_`, a possible literal `_xHHHH_`, is left to the string test): the
 * length and the first and last bytes.
 */
function plainEnds(bytes: Uint8Array, start: number, end: number): boolean {
  return end > start && end - start <= MAX_CELL_TEXT && (bytes[start] as number) > SPACE && (bytes[end - 1] as number) > SPACE;
}

/** The same test of one byte. */
function isPlainByte(b: number): boolean {
  return b >= SPACE ? b <= 0x7e && b !== 0x26 && b !== 0x3c && b !== 0x3e && b !== 0x5f : b === 0x09 || b === 0x0a;
}

/** Buffer's encoders and decoders that @types/node does not declare (no argument juggling: see ByteBuffer). */
export interface FastBuffer extends Buffer {
  latin1Write(text: string, offset: number): number;
  utf8Write(text: string, offset: number): number;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** `bytes` as a FastBuffer over the same memory (no copy): the row decoders read transferred Uint8Arrays. */
export function bufferOf(bytes: Uint8Array): FastBuffer {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as FastBuffer;
}

/** Looks up a shared-string index for a value, or returns -1 to write it inline. */
export type SharedLookup = (value: CellValue) => number;

/** Packed rows and the values that did not fit a tag, ready to cross to a worker. */
export interface PackedRows {
  readonly bytes: Uint8Array;
  readonly rows: number;
  /** The OTHER values of these rows; OTHER index `i` is `others[i - othersBase]`. */
  readonly others: readonly CellValue[];
  readonly othersBase: number;
}

/**
 * Packs rows into a reusable buffer. `sharedColumns[c]` marks the columns whose strings go to the shared-string
 * table through `lookup`, called in row-major order so indices match the table's insertion order.
 */
export class RowPacker {
  // Both set by #allocate, from the constructor on.
  #buffer!: FastBuffer;
  #view!: DataView;
  #length = 0;
  #rowEnds: Uint32Array;
  /** `others.length` after each row, so a tail copy takes only its own OTHER values. */
  #rowOthers: Uint32Array;
  #rows = 0;
  #others: CellValue[] = [];
  readonly #sharedColumns: readonly boolean[];
  readonly #lookup: SharedLookup | undefined;

  constructor(capacity = INITIAL_BYTES, sharedColumns: readonly boolean[] = [], lookup?: SharedLookup) {
    this.#allocate(capacity);
    this.#rowEnds = new Uint32Array(1024);
    this.#rowOthers = new Uint32Array(1024);
    this.#sharedColumns = sharedColumns;
    this.#lookup = sharedColumns.some(Boolean) ? lookup : undefined;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Bytes packed so far: after `endRow`, where the next row starts (a source packing rows records its offsets). */
  get byteLength(): number {
    return this.#length;
  }

  /** Appends one row. Each cell needs at most 5 + 3 × its UTF-16 length bytes; room is made before each write. */
  add(row: Row): void {
    const lookup = this.#lookup;
    for (let c = 0; c < row.length; c++) {
      const value = row[c];
      if (lookup !== undefined && this.#sharedColumns[c] === true) {
        const index = lookup(value);
        if (index >= 0) {
          this.#reserve(5);
          this.#tagged(CellTag.Shared);
          this.#view.setUint32(this.#length, index, true);
          this.#length += 4;
          continue;
        }
      }
      this.#addValue(value);
    }
    this.endRow();
  }

  /** Appends one cell of the current row (no shared strings); `endRow` ends the row. */
  addCell(value: CellValue): void {
    this.#addValue(value);
  }

  /**
   * Appends a text cell: the same bytes as `addCell(text)`, but a short text is checked and copied in one pass. Measured
   * in the SQLite reader thread (1M demo rows, 8 text columns): the PLAIN_ASCII test plus a latin1Write call per value
   * took ~0.5 s of its CPU profile. Longer or unusual text goes the way addCell takes it.
   */
  addText(text: string): void {
    const length = text.length;
    if (length === 0 || length > 64) return this.#addValue(text);
    this.#reserve(5 + length);
    const buffer = this.#buffer;
    const start = this.#length + 5;
    let underscore = false;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      // PLAIN_ASCII, byte by byte.
      if (code >= 0x20 ? code > 0x7e || code === 0x26 || code === 0x3c || code === 0x3e : code !== 0x09 && code !== 0x0a) return this.#addValue(text);
      if (code === 0x5f) underscore = true;
      buffer[start + i] = code;
    }
    if (needsPreserve(text) || (underscore && LITERAL_ESCAPE.test(text))) return this.#addValue(text);
    this.#tagged(CellTag.Plain);
    this.#view.setUint32(this.#length, length, true);
    this.#length = start + length;
  }

  /**
   * Appends UTF-8 bytes as a PLAIN text cell when they are plain (see plainEnds), checking each byte as it is copied;
   * false, with nothing appended, when they are not. Copying beats decoding to a string and writing it back, and one
   * pass beats a test then a copy (`pack` of 200k PostgreSQL bench rows in one thread: 108 against 122 ms of CPU).
   */
  addIfPlainBytes(bytes: Uint8Array, start: number, end: number): boolean {
    if (!plainEnds(bytes, start, end)) return false;
    const length = end - start;
    this.#reserve(5 + length);
    const buffer = this.#buffer;
    let at = this.#length + 5;
    for (let i = start; i < end; i++) {
      const b = bytes[i] as number;
      if (!isPlainByte(b)) return false;
      buffer[at++] = b;
    }
    this.#tagged(CellTag.Plain);
    this.#view.setUint32(this.#length, length, true);
    this.#length += 4 + length;
    return true;
  }

  /** Appends a number cell as the text JavaScript prints for its double (see DIGITS above): the caller checked it. */
  addDigits(bytes: Uint8Array, start: number, end: number): void {
    this.#addBytes(CellTag.Digits, bytes, start, end);
  }

  #addBytes(tag: CellTag, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.#reserve(5 + length);
    this.#tagged(tag);
    this.#view.setUint32(this.#length, length, true);
    this.#length += 4;
    // Cell values are short: a loop beats Buffer#copy's call overhead below a few dozen bytes.
    const buffer = this.#buffer;
    let at = this.#length;
    if (length > 64) buffer.set(bytes.subarray(start, end), at);
    else for (let i = start; i < end; i++) buffer[at++] = bytes[i] as number;
    this.#length += length;
  }

  /** Appends a date cell of epoch milliseconds, as `addCell(new Date(ms))` would, without the Date. */
  addDate(ms: number): void {
    this.#float(CellTag.Date, ms);
  }

  /**
   * Appends one row another packer wrote, `bytes[start, end)` with its END tag last (rows a source packed in its own
   * thread, encoding `packed`): copied as it is, so it must hold no SHARED or OTHER cell.
   */
  addPackedRow(bytes: Uint8Array, start: number, end: number): void {
    const length = end - 1 - start;
    this.#reserve(length);
    this.#buffer.set(bytes.subarray(start, end - 1), this.#length);
    this.#length += length;
    this.endRow();
  }

  /** Ends the row of the cells added with addCell, addText, addIfPlainBytes, addDigits and addDate. */
  endRow(): void {
    this.#reserve(1);
    this.#tagged(CellTag.End);
    if (this.#rows === this.#rowEnds.length) {
      this.#rowEnds = doubled(this.#rowEnds);
      this.#rowOthers = doubled(this.#rowOthers);
    }
    this.#rowOthers[this.#rows] = this.#others.length;
    this.#rowEnds[this.#rows++] = this.#length;
  }

  #addValue(value: CellValue): void {
    if (typeof value === 'string') {
      if (value === '') return this.#empty();
      const plain = isPlainText(value);
      this.#reserve(5 + (plain ? value.length : value.length * 3));
      this.#tagged(plain ? CellTag.Plain : CellTag.Text);
      const start = this.#length + 4;
      const written = plain ? this.#buffer.latin1Write(value, start) : this.#buffer.utf8Write(value, start);
      this.#view.setUint32(this.#length, written, true);
      this.#length = start + written;
    } else if (typeof value === 'number') {
      this.#float(CellTag.Number, value);
    } else if (value === null || value === undefined) {
      this.#empty();
    } else if (typeof value === 'boolean') {
      this.#reserve(1);
      this.#tagged(value ? CellTag.True : CellTag.False);
    } else if (value instanceof Date) {
      this.#float(CellTag.Date, value.getTime());
    } else {
      this.#reserve(5);
      this.#tagged(CellTag.Other);
      this.#view.setUint32(this.#length, this.#others.length, true);
      this.#length += 4;
      this.#others.push(value);
    }
  }

  #empty(): void {
    this.#reserve(1);
    this.#tagged(CellTag.Empty);
  }

  #float(tag: CellTag, value: number): void {
    this.#reserve(9);
    this.#tagged(tag);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  #tagged(tag: CellTag): void {
    this.#buffer[this.#length++] = tag;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const previous = this.#buffer;
    this.#allocate(Math.max(this.#length + bytes, previous.length * 2));
    previous.copy(this.#buffer, 0, 0, this.#length);
  }

  #allocate(capacity: number): void {
    this.#buffer = Buffer.allocUnsafe(capacity) as FastBuffer;
    this.#view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#buffer.byteLength);
  }

  /** A copy of rows `from` to the end, in its own ArrayBuffer (so it can be transferred); the packer is unchanged. */
  copy(from = 0): PackedRows {
    const start = from === 0 ? 0 : (this.#rowEnds[from - 1] as number);
    const bytes = new Uint8Array(this.#length - start);
    bytes.set(this.#buffer.subarray(start, this.#length));
    // A tail (the next chunk's dictionary) carries only its own OTHER values, not the whole chunk's.
    const othersBase = from === 0 ? 0 : (this.#rowOthers[from - 1] as number);
    return { bytes, rows: this.#rows - from, others: othersBase === 0 ? this.#others : this.#others.slice(othersBase), othersBase };
  }

  /** The rows packed so far, not copied: valid until the next `add` or `reset`. */
  view(): PackedRows {
    return { bytes: this.#buffer.subarray(0, this.#length), rows: this.#rows, others: this.#others, othersBase: 0 };
  }

  /** Empties the packer for the next chunk, keeping its buffers unless one huge chunk grew them past KEEP_BYTES. */
  reset(): void {
    if (this.#buffer.length > KEEP_BYTES) this.#allocate(INITIAL_BYTES);
    this.#length = 0;
    this.#rows = 0;
    this.#others = [];
  }
}

function doubled(array: Uint32Array): Uint32Array {
  const grown = new Uint32Array(array.length * 2);
  grown.set(array);
  return grown;
}

/** Packs a few rows in one go (the header row, tests). */
export function packRows(rows: readonly Row[]): PackedRows {
  const packer = new RowPacker(1024);
  for (const row of rows) packer.add(row);
  return packer.copy();
}
