/**
 * SQLite rows as the reader thread (sqlite-thread.ts) packs them: each value by its storage class, before any
 * conversion, so the render workers (encoding `sqlite-values`, see xlsx/row-encodings.ts) or the main thread (a
 * cursor read through `batches()`) apply the same converters (sqlite-types.ts) a main-thread read applied.
 *
 *   tag      payload
 *   NULL
 *   INTEGER  i64 little-endian
 *   REAL     f64 little-endian
 *   TEXT     u32 length, UTF-8 bytes
 *   BLOB     u32 length, bytes
 *   DATE     f64 epoch milliseconds: a declared DATE / DATETIME / TIME column's text the reader thread already parsed
 *            (the costliest conversion, measured: it left the render workers the bottleneck on 2 cores)
 */
import { isPlainBytes, type FastBuffer } from '../xlsx/row-packer.js';
import type { RowDecoder } from '../xlsx/encoded-rows.js';
import type { CellValue } from '../xlsx/types.js';
import { namedFailure, type Converter } from './convert.js';
import { instantMapper } from './datetime.js';
import { sqliteColumn, storageClassCell } from './sqlite-types.js';

export const SQLITE_VALUES_ENCODING = 'sqlite-values';

const enum Tag {
  Null = 0,
  Integer = 1,
  Real = 2,
  Text = 3,
  Blob = 4,
  Date = 5,
}

/** What a thread needs to convert a result's values: plain data. */
export interface SqliteValuesSpec {
  readonly names: readonly string[];
  /** Declared types, as the statement reports them (null for an expression). */
  readonly types: readonly (string | null)[];
  readonly timeZone?: string;
}

/**
 * The converters of a result's columns (sqlite-types.ts); a temporal column's also takes the Date its text became in
 * the reader thread. @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone.
 */
export function sqliteConverters(spec: SqliteValuesSpec): Converter[] {
  return temporalConverters(spec).map((temporal, c) => {
    if (temporal === undefined) return sqliteColumn(spec.names[c] as string, spec.types[c] ?? null, UTC_MAPPER).converter;
    return (value: unknown) => (value instanceof Date ? value : temporal(value));
  });
}

const UTC_MAPPER = instantMapper(undefined);
const TEMPORAL = new Set(['date', 'datetime', 'time']);

/** The converters of the DATE / DATETIME / TIME columns, undefined for the others. */
function temporalConverters(spec: SqliteValuesSpec): (Converter | undefined)[] {
  const mapInstant = instantMapper(spec.timeZone);
  return spec.names.map((name, c) => {
    const { column, converter } = sqliteColumn(name, spec.types[c] ?? null, mapInstant);
    return TEMPORAL.has(column.kind) ? converter : undefined;
  });
}

/** Packs rows of values in the format above into buffers of their own (transferable). */
export class SqliteRowWriter {
  #buffer: FastBuffer;
  #view: DataView;
  #length = 0;
  readonly #temporal: readonly (Converter | undefined)[];

  /** `spec`: the result's columns, whose temporal text is parsed here (the DATE tag). */
  constructor(spec: SqliteValuesSpec, capacity = 256 * 1024) {
    this.#buffer = Buffer.allocUnsafeSlow(capacity) as FastBuffer;
    this.#view = new DataView(this.#buffer.buffer);
    this.#temporal = temporalConverters(spec);
  }

  get length(): number {
    return this.#length;
  }

  add(row: readonly unknown[]): void {
    for (let c = 0; c < row.length; c++) {
      const value = row[c];
      const temporal = this.#temporal[c];
      if (temporal !== undefined && typeof value === 'string') {
        const cell = temporal(value);
        if (cell instanceof Date) {
          this.#reserve(9);
          this.#buffer[this.#length] = Tag.Date;
          this.#view.setFloat64(this.#length + 1, cell.getTime(), true);
          this.#length += 9;
          continue;
        }
      }
      switch (typeof value) {
        case 'bigint':
          this.#reserve(9);
          this.#buffer[this.#length] = Tag.Integer;
          this.#view.setBigInt64(this.#length + 1, value, true);
          this.#length += 9;
          break;
        case 'number':
          this.#reserve(9);
          this.#buffer[this.#length] = Tag.Real;
          this.#view.setFloat64(this.#length + 1, value, true);
          this.#length += 9;
          break;
        case 'string': {
          // A UTF-16 code unit takes at most 3 bytes of UTF-8.
          this.#reserve(5 + value.length * 3);
          this.#buffer[this.#length] = Tag.Text;
          const written = this.#buffer.utf8Write(value, this.#length + 5);
          this.#view.setUint32(this.#length + 1, written, true);
          this.#length += 5 + written;
          break;
        }
        default:
          if (value instanceof Uint8Array) {
            this.#reserve(5 + value.length);
            this.#buffer[this.#length] = Tag.Blob;
            this.#view.setUint32(this.#length + 1, value.length, true);
            this.#buffer.set(value, this.#length + 5);
            this.#length += 5 + value.length;
          } else {
            this.#reserve(1);
            this.#buffer[this.#length++] = Tag.Null;
          }
      }
    }
  }

  /** The bytes written so far in a buffer of their own; the writer starts over. */
  take(): Uint8Array {
    const bytes = new Uint8Array(this.#length);
    bytes.set(this.#buffer.subarray(0, this.#length));
    this.#length = 0;
    return bytes;
  }

  #reserve(size: number): void {
    if (this.#length + size <= this.#buffer.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.#length + size, this.#buffer.length * 2)) as FastBuffer;
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
    this.#view = new DataView(next.buffer);
  }
}

function bufferOf(bytes: Uint8Array): FastBuffer {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as FastBuffer;
}

/** The value at `pos` as better-sqlite3 returns it (`raw`, `safeIntegers`); see valueEnd for where it ends. */
function valueAt(buffer: FastBuffer, pos: number): unknown {
  switch (buffer[pos] as Tag) {
    case Tag.Null:
      return null;
    case Tag.Integer:
      return buffer.readBigInt64LE(pos + 1);
    case Tag.Real:
      return buffer.readDoubleLE(pos + 1);
    case Tag.Date:
      return new Date(buffer.readDoubleLE(pos + 1));
    case Tag.Text:
      return buffer.utf8Slice(pos + 5, pos + 5 + buffer.readUInt32LE(pos + 1));
    default:
      return Buffer.from(buffer.subarray(pos + 5, pos + 5 + buffer.readUInt32LE(pos + 1)));
  }
}

/** The position after the value at `pos`. */
function valueEnd(buffer: FastBuffer, pos: number): number {
  const tag = buffer[pos] as Tag;
  if (tag === Tag.Null) return pos + 1;
  if (tag === Tag.Integer || tag === Tag.Real || tag === Tag.Date) return pos + 9;
  return pos + 5 + buffer.readUInt32LE(pos + 1);
}

/** One row's raw values (NULL as null), for a cursor read through `batches()`, which converts them itself. */
export function sqliteRowValues(bytes: Uint8Array, start: number, end: number): unknown[] {
  const buffer = bufferOf(bytes);
  const row: unknown[] = [];
  for (let pos = start; pos < end; pos = valueEnd(buffer, pos)) row.push(valueAt(buffer, pos));
  return row;
}

export function sqliteValuesDecoder(spec: SqliteValuesSpec): RowDecoder {
  const converters = sqliteConverters(spec);
  // Integers and plain ASCII text of storage-class columns skip the bigint and the string a converter would take.
  const byStorageClass = converters.map((converter) => converter === storageClassCell);
  return {
    pack(bytes, start, end, rowNumber, packer) {
      const buffer = bufferOf(bytes);
      let pos = start;
      let c = 0;
      try {
        for (; pos < end; c++) {
          const tag = buffer[pos] as Tag;
          if (tag === Tag.Null) {
            packer.addCell(null);
            pos += 1;
            continue;
          }
          if (byStorageClass[c] === true && tag === Tag.Integer) {
            // Exact whenever the result is a safe integer: |value| ≥ 2^53 never rounds below 2^53.
            const n = buffer.readInt32LE(pos + 5) * 2 ** 32 + buffer.readUInt32LE(pos + 1);
            if (Number.isSafeInteger(n)) {
              packer.addCell(n);
              pos += 9;
              continue;
            }
          }
          if (byStorageClass[c] === true && tag === Tag.Text) {
            const length = buffer.readUInt32LE(pos + 1);
            if (isPlainBytes(buffer, pos + 5, pos + 5 + length)) {
              packer.addPlainBytes(buffer, pos + 5, pos + 5 + length);
              pos += 5 + length;
              continue;
            }
          }
          packer.addCell((converters[c] as Converter)(valueAt(buffer, pos)));
          pos = valueEnd(buffer, pos);
        }
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      packer.endRow();
    },
    decode(bytes, start, end, rowNumber) {
      // The sampled rows (and a totals sheet's) only.
      const row = sqliteRowValues(bytes, start, end) as CellValue[];
      let c = 0;
      try {
        for (; c < row.length; c++) if (row[c] !== null) row[c] = (converters[c] as Converter)(row[c]);
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      return row;
    },
  };
}
