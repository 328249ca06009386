/**
 * PostgreSQL DataRow bodies (`int16 count`, then per column `int32 length` — -1 for NULL — and the value's bytes),
 * text format except the columns pg-decoders.ts `binaryDecoder` has sent in binary, decoded with one converter per
 * column (pg-decoders.ts). Runs in the render workers for exports
 * (encoding `pg-text`, see xlsx/row-encodings.ts) and on the main thread for everything else that reads rows.
 */
import { bufferOf, type FastBuffer, type RowPacker } from '../xlsx/row-packer.js';
import type { RowDecoder } from '../xlsx/encoded-rows.js';
import type { CellValue } from '../xlsx/types.js';
import { mapBatch, namedFailure, type Converter } from './convert.js';
import { instantMapper, parseDateTime, wallMs, type InstantMapper } from './datetime.js';
import { pgConverter, type PgDecoder } from './pg-decoders.js';

export const PG_TEXT_ENCODING = 'pg-text';

/** What a thread needs to decode a result's rows: plain data. */
export interface PgTextSpec {
  readonly decoders: readonly PgDecoder[];
  /** Column names, for errors. */
  readonly names: readonly string[];
  readonly timeZone?: string;
}

/**
 * One field's value as a driver returns it: the server's text, or for a column sent in binary (pg-decoders.ts
 * `binaryDecoder`) the value it encodes — float8's 8 big-endian bytes are the double.
 */
function fieldValue(decoder: PgDecoder | undefined, buffer: FastBuffer, start: number, end: number): string | number {
  return decoder === 'float8-binary' ? buffer.readDoubleBE(start) : buffer.utf8Slice(start, end);
}

/** The row's values as the converters of `decoders` take them (null for NULL). */
export function pgFields(bytes: Uint8Array, start: number, decoders: readonly PgDecoder[]): (string | number | null)[] {
  const buffer = bufferOf(bytes);
  const count = buffer.readInt16BE(start);
  const fields = new Array<string | number | null>(count);
  let pos = start + 2;
  for (let c = 0; c < count; c++) {
    const length = buffer.readInt32BE(pos);
    pos += 4;
    if (length < 0) {
      fields[c] = null;
    } else {
      fields[c] = fieldValue(decoders[c], buffer, pos, pos + length);
      pos += length;
    }
  }
  return fields;
}

/**
 * How `pack` writes a non-NULL value: text integers of at most 15 characters are their own canonical digits, which
 * is what the renderer prints for the number (copied into `<v>`, never parsed); plain ASCII text is copied as bytes;
 * anything else goes through the converter. Measured on 100,000 rows shaped like the bench table, in one thread on
 * the shared (busy) 2-core machine: 2.7–3.3 µs a row packed this way against 5.3–9.2 µs decoding to values and packing
 * those, with byte-identical XML; the 1M-row table's exported file is byte-identical too.
 *
 * Numeric, boolean, float and date/time text skip the converter's string and value too (issue 18: with the main
 * thread no longer the limit, these converters were ~0.3 s of each render worker's CPU per 1M bench rows): a
 * decimal JavaScript would print exactly as the server did, minus trailing fraction zeros, is copied as digits;
 * 't'/'f' are the boolean tags; float text is parsed straight to a number (float8 comes in binary: read as the
 * double) and date/time text to a DATE tag.
 * Every value these paths do not take (NaN, infinity, BC dates, …) still goes through the converter.
 */
const enum Packing {
  Digits,
  Text,
  Decimal,
  Boolean,
  Float,
  Float8Binary,
  DateTime,
  Convert,
}

function packingOf(decoder: PgDecoder): Packing {
  switch (decoder) {
    case 'int':
    case 'int8':
      return Packing.Digits;
    case 'text':
      return Packing.Text;
    case 'numeric':
      return Packing.Decimal;
    case 'boolean':
      return Packing.Boolean;
    case 'float':
      return Packing.Float;
    case 'float8-binary':
      return Packing.Float8Binary;
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return Packing.DateTime;
    default:
      return Packing.Convert;
  }
}

/** Longest integer text that is always a safe integer: 15 characters (`-99999999999999`, `999999999999999`). */
const SAFE_DIGITS = 15;

/** The largest magnitude a Date holds (ECMAScript TimeClip). */
const MAX_DATE_MS = 8.64e15;
const MINUS = 0x2d;
const POINT = 0x2e;
const ZERO = 0x30;
const isDigit = (b: number): boolean => b >= ZERO && b <= ZERO + 9;

/**
 * Where the numeric text `bytes[start, end)` ends once trailing fraction zeros (and a bare point) are cut, when what
 * is left is exactly what JavaScript prints for `Number(text)`; -1 otherwise (the converter decides). That holds for
 * a non-zero decimal of at most 15 significant digits (DBL_DIG: it survives decimal → double → decimal, so it is the
 * shortest round-trip text) at least 1e-6 and below 1e21 in magnitude (the range JavaScript prints without an
 * exponent); numeric text never has leading zeros or an exponent.
 */
function decimalEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = bytes[start] === MINUS ? start + 1 : start;
  const integerStart = i;
  while (i < end && isDigit(bytes[i] as number)) i++;
  const integerDigits = i - integerStart;
  if (integerDigits === 0 || integerDigits > SAFE_DIGITS) return -1;
  let cut = i;
  if (i < end) {
    if (bytes[i] !== POINT) return -1;
    for (i++; i < end; i++) {
      const b = bytes[i] as number;
      if (!isDigit(b)) return -1;
      if (b !== ZERO) cut = i + 1;
    }
  }
  if (bytes[integerStart] !== ZERO) return cut - integerStart - (cut > integerStart + integerDigits ? 1 : 0) <= SAFE_DIGITS ? cut : -1;
  // `0.…`: zero (which may print as -0) is left to the converter; so is anything below 1e-6 (printed `1e-7`).
  if (integerDigits !== 1 || cut === integerStart + 1) return -1;
  let first = integerStart + 2;
  while (bytes[first] === ZERO) first++;
  return first - (integerStart + 2) <= 5 && cut - first <= SAFE_DIGITS ? cut : -1;
}

/** The number of the `count` ASCII digits at `start`, or -1 when one is not a digit. */
function digitsAt(bytes: Uint8Array, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = (bytes[i] as number) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const SPACE = 0x20;
const COLON = 0x3a;
const PLUS = 0x2b;

/**
 * Epoch ms of the text PostgreSQL prints for nearly every date and timestamp under the session's ISO DateStyle and
 * UTC zone — `YYYY-MM-DD[ HH:MM:SS[.ffffff]][+00]` — read from the bytes: the value datetime.ts parseDateTime gives
 * for the same text (fraction truncated to ms, `+00` through `mapper`), without making the string. NaN for any
 * other shape (years past 9999, BC, infinity), which parseDateTime then reads. Measured in the 1M-row export's
 * worker profile: parseDateTime and the latin1Slice before it were ~0.15 s a worker.
 */
function isoDateTimeMs(bytes: Uint8Array, start: number, end: number, mapper: InstantMapper | undefined): number {
  const length = end - start;
  if (length < 10 || bytes[start + 4] !== MINUS || bytes[start + 7] !== MINUS) return NaN;
  const year = digitsAt(bytes, start, 4);
  const month = digitsAt(bytes, start + 5, 2);
  const day = digitsAt(bytes, start + 8, 2);
  if (year < 0 || month < 0 || day < 0) return NaN;
  if (length === 10) return wallMs(year, month, day, 0);
  const t = start + 10;
  if (length < 19 || bytes[t] !== SPACE || bytes[t + 3] !== COLON || bytes[t + 6] !== COLON) return NaN;
  const hour = digitsAt(bytes, t + 1, 2);
  const minute = digitsAt(bytes, t + 4, 2);
  const second = digitsAt(bytes, t + 7, 2);
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 59) return NaN;
  let ms = 0;
  let i = t + 9;
  if (i < end && bytes[i] === POINT) {
    const first = ++i;
    for (let scale = 100; i < end && isDigit(bytes[i] as number); i++, scale /= 10) if (scale >= 1) ms += ((bytes[i] as number) - ZERO) * scale;
    if (i === first) return NaN;
  }
  const wall = wallMs(year, month, day, ((hour * 60 + minute) * 60 + second) * 1000 + ms);
  if (i === end) return wall;
  if (end - i !== 3 || bytes[i] !== PLUS || bytes[i + 1] !== ZERO || bytes[i + 2] !== ZERO) return NaN;
  return mapper === undefined ? wall : mapper(wall);
}

/** Packs the value `buffer[start, end)` without its converter when `packing` allows; false when it must convert. */
function packFast(packing: Packing, buffer: FastBuffer, start: number, end: number, mapper: InstantMapper | undefined, packer: RowPacker): boolean {
  switch (packing) {
    case Packing.Digits:
      if (end - start > SAFE_DIGITS) return false;
      packer.addDigits(buffer, start, end);
      return true;
    case Packing.Text:
      return packer.addIfPlainBytes(buffer, start, end);
    case Packing.Decimal: {
      const cut = decimalEnd(buffer, start, end);
      if (cut < 0) return false;
      packer.addDigits(buffer, start, cut);
      return true;
    }
    case Packing.Boolean:
      // boolout prints `t` or `f`.
      packer.addCell(buffer[start] === 0x74);
      return true;
    case Packing.Float: {
      const n = Number(buffer.latin1Slice(start, end));
      if (n - n !== 0) return false; // NaN, ±Infinity: the converter's error
      packer.addCell(n);
      return true;
    }
    case Packing.Float8Binary: {
      const n = buffer.readDoubleBE(start);
      if (n - n !== 0) return false;
      packer.addCell(n);
      return true;
    }
    case Packing.DateTime: {
      let ms = isoDateTimeMs(buffer, start, end, mapper);
      if (ms !== ms) ms = parseDateTime(buffer.latin1Slice(start, end), mapper);
      // NaN: BC, infinity and the like; past Date's range `new Date(ms)` would be an Invalid Date.
      if (!(ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS)) return false;
      packer.addDate(ms);
      return true;
    }
    default:
      return false;
  }
}

/** @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone in the spec. */
export function pgTextDecoder(spec: PgTextSpec): RowDecoder {
  const converters: readonly Converter[] = spec.decoders.map((decoder) => pgConverter(decoder, spec.timeZone));
  const packings: readonly Packing[] = spec.decoders.map(packingOf);
  // A render worker gets each chunk's bytes as a plain Uint8Array: wrapped once per chunk, not once per row (the
  // per-row Buffer was ~0.08 s of a worker's profile per 1M bench rows, and garbage).
  let wrappedBytes: Uint8Array | undefined;
  let wrapped: FastBuffer | undefined;
  const chunkBuffer = (bytes: Uint8Array): FastBuffer => {
    if (bytes !== wrappedBytes) {
      wrappedBytes = bytes;
      wrapped = bufferOf(bytes);
    }
    return wrapped as FastBuffer;
  };
  // Date and timestamp text is a wall time as stored; timestamptz's instant is mapped to the display zone.
  const mappers = spec.decoders.map((decoder) => (decoder === 'timestamptz' ? instantMapper(spec.timeZone) : undefined));
  return {
    pack(bytes, start, _end, rowNumber, packer) {
      const buffer = chunkBuffer(bytes);
      const count = buffer.readInt16BE(start);
      let pos = start + 2;
      let c = 0;
      try {
        for (; c < count; c++) {
          const length = buffer.readInt32BE(pos);
          pos += 4;
          if (length < 0) {
            packer.addCell(null);
            continue;
          }
          const end = pos + length;
          if (!packFast(packings[c] as Packing, buffer, pos, end, mappers[c], packer)) {
            packer.addCell((converters[c] as Converter)(fieldValue(spec.decoders[c], buffer, pos, end)));
          }
          pos = end;
        }
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      packer.endRow();
    },
    decode(bytes, start, _end, rowNumber) {
      // The sampled rows (and a totals sheet's) only: the strings pgFields makes do not matter here.
      return mapBatch([pgFields(bytes, start, spec.decoders)], converters, spec.names, rowNumber)[0] as CellValue[];
    },
  };
}
