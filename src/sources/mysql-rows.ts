/**
 * MySQL/MariaDB binary-protocol result rows (COM_STMT_EXECUTE) as the server sent them: a 0x00 header, a NULL
 * bitmap offset by 2 bits, then each non-NULL value in its column type's binary form. Decoded with one converter
 * per column — the one mysqlColumn (mysql-types.ts) chooses — in the render workers for exports (encoding
 * `mysql-binary`, see xlsx/row-encodings.ts) and on the main thread for everything else that reads rows.
 *
 * Each value is first read into exactly what mysql2's binary parser produced for it under the connection options
 * of mysql.ts (`dateStrings`, `supportBigNumbers`, `jsonStrings`; see its lib/parsers/binary_parser.js), so the
 * converters, and therefore the cells, are those of the mysql2 data path this replaces; test/sources/mysql-rows
 * checks the values against mysql2's own `execute()` on the same rows.
 */
import type { FieldPacket } from 'mysql2';
import { bufferOf, type FastBuffer, type RowPacker } from '../xlsx/row-packer.js';
import type { RowDecoder } from '../xlsx/encoded-rows.js';
import type { CellValue } from '../xlsx/types.js';
import { mapBatch, namedFailure, textCell, type Converter } from './convert.js';
import { instantMapper, wallMs, type InstantMapper, type WallTimeConverter } from './datetime.js';
import { decodeString, mysql2Packet } from './mysql2-internals.js';
import { BINARY_CHARSET, mysqlColumn, T, UNSIGNED_FLAG } from './mysql-types.js';

export const MYSQL_BINARY_ENCODING = 'mysql-binary';

/** The column definition facts the type mapping and the value readers use: plain data. */
export interface MysqlColumnDef {
  readonly name: string;
  readonly columnType: number;
  readonly flags: number;
  readonly characterSet: number;
  readonly columnLength: number;
  readonly decimals: number;
  readonly extendedFormat?: string;
  /** The Node encoding mysql2 decodes the column's text with. */
  readonly encoding: string;
}

export interface MysqlBinarySpec {
  readonly columns: readonly MysqlColumnDef[];
  readonly timeZone?: string;
}

export function columnDef(field: FieldPacket & { readonly encoding?: string }): MysqlColumnDef {
  const def = {
    name: field.name,
    columnType: field.columnType ?? 0,
    flags: Number(field.flags ?? 0),
    characterSet: field.characterSet ?? 0,
    columnLength: field.columnLength ?? 0,
    decimals: field.decimals ?? 0,
    encoding: field.encoding ?? 'utf8',
  };
  return field.extendedFormat === undefined ? def : { ...def, extendedFormat: field.extendedFormat };
}

/** How a column's binary value is read (mysql2's readCodeFor under sheetpipe's options). */
const enum Read {
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Int64,
  UInt64,
  Float,
  Double,
  Null,
  DateTime,
  Time,
  Ascii,
  Utf8,
  Text,
  Bytes,
  Geometry,
  Vector,
}

function readOf(def: MysqlColumnDef): Read {
  const unsigned = (def.flags & UNSIGNED_FLAG) !== 0;
  if (def.extendedFormat === 'json') return Read.Text;
  switch (def.columnType) {
    case T.TINY:
      return unsigned ? Read.UInt8 : Read.Int8;
    case T.SHORT:
      return unsigned ? Read.UInt16 : Read.Int16;
    case T.LONG:
    case T.INT24: // 4 bytes in the binary protocol
      return unsigned ? Read.UInt32 : Read.Int32;
    case T.YEAR:
      return Read.UInt16;
    case T.FLOAT:
      return Read.Float;
    case T.DOUBLE:
      return Read.Double;
    case T.NULL:
      return Read.Null;
    case T.DATE:
    case T.DATETIME:
    case T.TIMESTAMP:
    case T.NEWDATE:
      return Read.DateTime;
    case T.TIME:
      return Read.Time;
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return Read.Ascii;
    case T.GEOMETRY:
      return Read.Geometry;
    case T.VECTOR:
      return Read.Vector;
    case T.JSON:
      return Read.Utf8; // the server marks JSON binary (charset 63); mysql2 decodes it as UTF-8
    case T.LONGLONG:
      return unsigned ? Read.UInt64 : Read.Int64;
    default:
      return def.characterSet === BINARY_CHARSET ? Read.Bytes : Read.Text;
  }
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));
/** mysql2's leftPad: never truncates. */
const pad = (width: number, n: number): string => String(n).padStart(width, '0');

/**
 * Where the last `readValue` stopped. A module variable rather than a returned object: this runs once per cell and
 * must not allocate.
 */
let valueEnd = 0;

/** Length-coded integer at `pos` (never the NULL marker in a binary row); sets `valueEnd` past it. */
function lengthAt(buffer: FastBuffer, pos: number): number {
  const first = buffer[pos] as number;
  if (first < 0xfb) {
    valueEnd = pos + 1;
    return first;
  }
  if (first === 0xfc) {
    valueEnd = pos + 3;
    return buffer.readUInt16LE(pos + 1);
  }
  if (first === 0xfd) {
    valueEnd = pos + 4;
    return buffer.readUIntLE(pos + 1, 3);
  }
  valueEnd = pos + 9;
  return Number(buffer.readBigUInt64LE(pos + 1));
}

/** A 64-bit integer as mysql2 `supportBigNumbers` gives it: a number when safe, else its exact decimal text. */
function int64At(buffer: FastBuffer, pos: number, unsigned: boolean): number | string {
  const low = buffer.readUInt32LE(pos);
  const high = unsigned ? buffer.readUInt32LE(pos + 4) : buffer.readInt32LE(pos + 4);
  const n = low + 0x100000000 * high;
  if (Number.isSafeInteger(n)) return n;
  return (unsigned ? buffer.readBigUInt64LE(pos) : buffer.readBigInt64LE(pos)).toString();
}

/** DATE/DATETIME/TIMESTAMP (length 0, 4, 7 or 11) as the text mysql2's readDateTimeString makes of it. */
function dateTimeText(buffer: FastBuffer, pos: number, def: MysqlColumnDef): string {
  const length = buffer[pos] as number;
  valueEnd = pos + 1 + length;
  let text = '0000-00-00';
  if (length > 3) text = pad(4, buffer.readUInt16LE(pos + 1)) + '-' + pad2(buffer[pos + 3] as number) + '-' + pad2(buffer[pos + 4] as number);
  if (length > 6) text += ' ' + pad2(buffer[pos + 5] as number) + ':' + pad2(buffer[pos + 6] as number) + ':' + pad2(buffer[pos + 7] as number);
  else if (def.columnType === T.DATETIME || def.columnType === T.TIMESTAMP) text += ' 00:00:00';
  if (length > 10) {
    const micros = buffer.readUInt32LE(pos + 8);
    const decimals = def.decimals;
    text += '.' + (decimals ? pad(6, micros).substring(0, decimals) : String(micros));
  }
  return text;
}

/**
 * DATE/DATETIME/TIMESTAMP straight to the wall-clock ms that parsing dateTimeText's text gives (datetime.ts), or NaN
 * where that text would not parse as a date (zero dates and parts) or mysql2 prints the fraction oddly: the text
 * path then decides. Sets `valueEnd`.
 */
function binaryWallMs(buffer: FastBuffer, pos: number, decimals: number): number {
  const length = buffer[pos] as number;
  valueEnd = pos + 1 + length;
  if (length < 4) return NaN;
  let msOfDay = 0;
  if (length > 6) {
    const h = buffer[pos + 5] as number;
    const m = buffer[pos + 6] as number;
    const s = buffer[pos + 7] as number;
    if (h > 23 || m > 59 || s > 59) return NaN;
    msOfDay = ((h * 60 + m) * 60 + s) * 1000;
  }
  if (length > 10) {
    const micros = buffer.readUInt32LE(pos + 8);
    if (decimals === 0 || micros > 999_999) return NaN; // mysql2 prints such a fraction unpadded
    // The text keeps `decimals` digits of the fraction; parsing truncates it to milliseconds.
    const kept = decimals >= 6 ? micros : micros - (micros % 10 ** (6 - decimals));
    msOfDay += Math.floor(kept / 1000);
  }
  return wallMs(buffer.readUInt16LE(pos + 1), buffer[pos + 3] as number, buffer[pos + 4] as number, msOfDay);
}

/** TIME (length 0, 8 or 12: sign, days, h, m, s, µs) as the text mysql2's readTimeString makes of it. */
function timeText(buffer: FastBuffer, pos: number): string {
  const length = buffer[pos] as number;
  valueEnd = pos + 1 + length;
  if (length === 0) return '00:00:00';
  const negative = buffer[pos + 1] !== 0;
  let days = 0;
  let h = 0;
  let m = 0;
  let s = 0;
  let micros = 0;
  if (length > 6) {
    days = buffer.readUInt32LE(pos + 2);
    h = buffer[pos + 6] as number;
    m = buffer[pos + 7] as number;
    s = buffer[pos + 8] as number;
  }
  if (length > 10) micros = buffer.readUInt32LE(pos + 9);
  const fraction = micros ? ('.' + pad(6, micros)).replace(/0+$/, '') : '';
  return (negative ? '-' : '') + pad2(days * 24 + h) + ':' + pad2(m) + ':' + pad2(s) + fraction;
}

/** A value mysql2 reads with one of its packet methods (GEOMETRY, VECTOR): run that method on the value's bytes. */
function packetValue(buffer: FastBuffer, pos: number, read: 'parseGeometryValue' | 'parseVector'): unknown {
  const packet = mysql2Packet(buffer, pos - 4, buffer.length);
  const value = packet[read]();
  valueEnd = packet.offset;
  return value;
}

/** The value at `pos` as mysql2 gave it; sets `valueEnd`. */
function readValue(buffer: FastBuffer, pos: number, read: Read, def: MysqlColumnDef): unknown {
  switch (read) {
    case Read.Int8:
      valueEnd = pos + 1;
      return buffer.readInt8(pos);
    case Read.UInt8:
      valueEnd = pos + 1;
      return buffer[pos];
    case Read.Int16:
      valueEnd = pos + 2;
      return buffer.readInt16LE(pos);
    case Read.UInt16:
      valueEnd = pos + 2;
      return buffer.readUInt16LE(pos);
    case Read.Int32:
      valueEnd = pos + 4;
      return buffer.readInt32LE(pos);
    case Read.UInt32:
      valueEnd = pos + 4;
      return buffer.readUInt32LE(pos);
    case Read.Int64:
    case Read.UInt64:
      valueEnd = pos + 8;
      return int64At(buffer, pos, read === Read.UInt64);
    case Read.Float:
      valueEnd = pos + 4;
      return buffer.readFloatLE(pos);
    case Read.Double:
      valueEnd = pos + 8;
      return buffer.readDoubleLE(pos);
    case Read.Null:
      valueEnd = pos;
      return null;
    case Read.DateTime:
      return dateTimeText(buffer, pos, def);
    case Read.Time:
      return timeText(buffer, pos);
    case Read.Geometry:
      return packetValue(buffer, pos, 'parseGeometryValue');
    case Read.Vector:
      return packetValue(buffer, pos, 'parseVector');
    default: {
      const length = lengthAt(buffer, pos);
      const start = valueEnd;
      valueEnd = start + length;
      if (read === Read.Bytes) return buffer.subarray(start, valueEnd);
      if (read === Read.Ascii) return buffer.latin1Slice(start, valueEnd); // DECIMAL digits: ASCII whichever way
      if (read === Read.Utf8 || def.encoding === 'utf8') return buffer.utf8Slice(start, valueEnd);
      return decodeString(buffer, def.encoding, start, valueEnd);
    }
  }
}

/** Column c is NULL: bit c + 2 of the bitmap that follows the row's 0x00 header. */
function isNull(buffer: FastBuffer, start: number, c: number): boolean {
  return ((buffer[start + 1 + ((c + 2) >> 3)] as number) & (1 << ((c + 2) & 7))) !== 0;
}

/** Reads rows of one result: the per-column readers, made once. */
export class MysqlRowReader {
  readonly #defs: readonly MysqlColumnDef[];
  readonly #reads: readonly Read[];
  readonly #bitmap: number;

  constructor(defs: readonly MysqlColumnDef[]) {
    this.#defs = defs;
    this.#reads = defs.map(readOf);
    this.#bitmap = (defs.length + 7 + 2) >> 3;
  }

  /** The row's values as mysql2's execute() gave them (null for NULL). */
  values(bytes: Uint8Array, start: number): unknown[] {
    const buffer = bufferOf(bytes);
    const count = this.#defs.length;
    const row = new Array<unknown>(count);
    let pos = start + 1 + this.#bitmap;
    for (let c = 0; c < count; c++) {
      if (isNull(buffer, start, c)) {
        row[c] = null;
        continue;
      }
      row[c] = readValue(buffer, pos, this.#reads[c] as Read, this.#defs[c] as MysqlColumnDef);
      pos = valueEnd;
    }
    return row;
  }

  /**
   * `pack` for a decoder: plain ASCII text of a textCell column is copied as bytes (UTF-8 columns only: mysql2 would
   * make the same string of them, and textCell keeps it), a date-time that parses goes straight to its date cell (the converter's `ofWall`),
   * everything else is read and converted.
   */
  pack(bytes: Uint8Array, start: number, converters: readonly Converter[], packer: RowPacker, rowNumber: number): void {
    const buffer = bufferOf(bytes);
    const count = this.#defs.length;
    let pos = start + 1 + this.#bitmap;
    let c = 0;
    try {
      for (; c < count; c++) {
        if (isNull(buffer, start, c)) {
          packer.addCell(null);
          continue;
        }
        const read = this.#reads[c] as Read;
        const def = this.#defs[c] as MysqlColumnDef;
        if (read === Read.Text && def.encoding === 'utf8' && converters[c] === textCell) {
          const length = lengthAt(buffer, pos);
          const from = valueEnd;
          pos = from + length;
          if (!packer.addIfPlainBytes(buffer, from, pos)) packer.addCell((converters[c] as Converter)(buffer.utf8Slice(from, pos)));
          continue;
        }
        if (read === Read.DateTime) {
          const ofWall = (converters[c] as Partial<WallTimeConverter>).ofWall;
          const ms = ofWall === undefined ? NaN : binaryWallMs(buffer, pos, def.decimals);
          if (!Number.isNaN(ms)) {
            packer.addDate((ofWall as InstantMapper)(ms));
            pos = valueEnd;
            continue;
          }
        }
        const value = readValue(buffer, pos, read, def);
        pos = valueEnd;
        packer.addCell((converters[c] as Converter)(value));
      }
    } catch (error) {
      throw namedFailure(error, rowNumber, this.#defs[c]?.name);
    }
    packer.endRow();
  }
}

/** The converters for a spec's columns: the ones mysqlColumn chooses. @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE */
export function mysqlConverters(spec: MysqlBinarySpec): Converter[] {
  const mapInstant = instantMapper(spec.timeZone);
  return spec.columns.map((def) => mysqlColumn(def as unknown as FieldPacket, mapInstant).converter);
}

export function mysqlBinaryDecoder(spec: MysqlBinarySpec): RowDecoder {
  const converters = mysqlConverters(spec);
  const reader = new MysqlRowReader(spec.columns);
  const names = spec.columns.map((def) => def.name);
  return {
    pack(bytes, start, _end, rowNumber, packer) {
      reader.pack(bytes, start, converters, packer, rowNumber);
    },
    decode(bytes, start, _end, rowNumber) {
      return mapBatch([reader.values(bytes, start)], converters, names, rowNumber)[0] as CellValue[];
    },
  };
}
