/**
 * Rows still in their source's own encoding (e.g. PostgreSQL DataRow messages as the server sent them), added to a
 * sheet with `SheetWriter.addEncoded`. The main thread only cuts them at row boundaries; the render workers decode
 * them with a decoder rebuilt from the plain-data `spec` (row-encodings.ts) and render them like packed rows, so no
 * row is turned into JavaScript values on the main thread except the few the sheet writer samples.
 */
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
}

/** Rows `from` to `to` of `rows`, copied into buffers of their own (so they can be transferred). */
export function sliceEncoded(rows: EncodedRows, from: number, to: number): EncodedRows {
  const start = rows.offsets[from] as number;
  const bytes = rows.bytes.slice(start, rows.offsets[to] as number);
  const offsets = new Uint32Array(to - from + 1);
  for (let i = from; i <= to; i++) offsets[i - from] = (rows.offsets[i] as number) - start;
  return { encoding: rows.encoding, spec: rows.spec, bytes, offsets, rows: to - from, firstRow: rows.firstRow + from };
}
