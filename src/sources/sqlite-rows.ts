/**
 * SQLite rows as the reader thread (sqlite-thread.ts) packs them: each value converted there by its column's converter
 * (sqlite-types.ts; the same a main-thread read applied) and packed in the render workers' own format (encoding
 * `packed`, xlsx/packed-encoding.ts), so the workers only copy the rows into their packer and render them.
 *
 * Measured on the 1M-row demo table (bench `db-sqlite`, 3 alternating runs; bench/RESULTS.md): packing the raw values
 * here and converting them in the render workers (the former encoding `sqlite-values`) took ~1.2 s more CPU (user +
 * sys 12.0–13.9 s against 11.2–12.5 s), as every value was written, read back and written again; on 2 cores the
 * total CPU decides.
 */
import { RowPacker } from '../xlsx/row-packer.js';
import { NotFiniteValue, namedFailure, type Converter } from './convert.js';
import { BATCH_ROWS } from './cursor.js';
import { instantMapper } from './datetime.js';
import { sqliteColumn } from './sqlite-types.js';

/**
 * Rows per message from the reader thread, which the connection hands on as batches of BATCH_ROWS. Measured on the
 * 1M-row demo table: with one message per 1,000 rows the reader thread spent ~1 s of its profile in postMessage (and
 * ran dry of credit more often), with one per 4,000 rows 0.08 s.
 */
export const MESSAGE_ROWS = 4 * BATCH_ROWS;

/** What the reader thread needs to convert a result's values: plain data. */
export interface SqliteValuesSpec {
  readonly names: readonly string[];
  /** Declared types, as the statement reports them (null for an expression). */
  readonly types: readonly (string | null)[];
  readonly timeZone?: string;
}

/** The converters of a result's columns (sqlite-types.ts). @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone. */
export function sqliteConverters(spec: SqliteValuesSpec): Converter[] {
  const mapInstant = instantMapper(spec.timeZone);
  return spec.names.map((name, c) => sqliteColumn(name, spec.types[c] ?? null, mapInstant).converter);
}

/** Where a value failed to convert, as it crosses from the reader thread: namedFailure's error rebuilt from it. */
export interface SqliteValueFailure {
  readonly row: number;
  readonly column: string | undefined;
  readonly text: string;
}

export function valueFailureError(failure: SqliteValueFailure): unknown {
  return namedFailure(new NotFiniteValue(failure.text), failure.row, failure.column);
}

/** A value better-sqlite3 returned that no cell can hold (REAL Infinity), with its row and column. */
export class SqliteValueError extends Error {
  constructor(readonly failure: SqliteValueFailure) {
    super(`row ${failure.row}, column ${JSON.stringify(failure.column)}: ${failure.text}`);
  }
}

/** Converts and packs the rows of one result (better-sqlite3 `raw`, `safeIntegers`) into transferable batches. */
export class SqliteRowPacker {
  readonly #packer = new RowPacker(256 * 1024);
  readonly #converters: readonly Converter[];
  readonly #names: readonly string[];
  #offsets: number[] = [0];
  /** 1-based number of the last row added, in the whole result. */
  #row = 0;

  /** `spec`: the result's columns. */
  constructor(spec: SqliteValuesSpec) {
    this.#converters = sqliteConverters(spec);
    this.#names = spec.names;
  }

  get rows(): number {
    return this.#packer.rows;
  }

  /** @throws SqliteValueError for a value no cell can hold. */
  add(row: readonly unknown[]): void {
    const packer = this.#packer;
    const converters = this.#converters;
    this.#row++;
    let c = 0;
    try {
      for (; c < row.length; c++) {
        const value = row[c];
        const cell = value === null ? null : (converters[c] as Converter)(value);
        if (typeof cell === 'string') packer.addText(cell);
        else packer.addCell(cell);
      }
    } catch (error) {
      if (error instanceof NotFiniteValue) throw new SqliteValueError({ row: this.#row, column: this.#names[c], text: error.text });
      throw error;
    }
    packer.endRow();
    this.#offsets.push(packer.byteLength);
  }

  /** The rows packed so far in buffers of their own, with their offsets; the packer starts over. */
  take(): { bytes: Uint8Array; offsets: Uint32Array; rows: number } {
    const { bytes, rows } = this.#packer.copy();
    const offsets = Uint32Array.from(this.#offsets);
    this.#packer.reset();
    this.#offsets = [0];
    return { bytes, offsets, rows };
  }

  /** Drops a half-packed batch (the statement failed). */
  clear(): void {
    this.#packer.reset();
    this.#offsets = [0];
  }
}
