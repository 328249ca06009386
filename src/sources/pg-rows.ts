/**
 * PostgreSQL DataRow bodies in text format (`int16 count`, then per column `int32 length` — -1 for NULL — and the
 * value's bytes), decoded with one converter per column (pg-decoders.ts). Runs in the render workers for exports
 * (encoding `pg-text`, see xlsx/row-encodings.ts) and on the main thread for everything else that reads rows.
 */
import { isPlainBytes, type FastBuffer } from '../xlsx/row-packer.js';
import type { RowDecoder } from '../xlsx/encoded-rows.js';
import type { CellValue } from '../xlsx/types.js';
import { namedFailure, type Converter } from './convert.js';
import { pgConverter, type PgDecoder } from './pg-decoders.js';

export const PG_TEXT_ENCODING = 'pg-text';

/** What a thread needs to decode a result's rows: plain data. */
export interface PgTextSpec {
  readonly decoders: readonly PgDecoder[];
  /** Column names, for errors. */
  readonly names: readonly string[];
  readonly timeZone?: string;
}

function bufferOf(bytes: Uint8Array): FastBuffer {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as FastBuffer;
}

/** The row's values as the server's text (null for NULL), as a driver in text mode returns them. */
export function pgTextFields(bytes: Uint8Array, start: number): (string | null)[] {
  const buffer = bufferOf(bytes);
  const count = buffer.readInt16BE(start);
  const fields = new Array<string | null>(count);
  let pos = start + 2;
  for (let c = 0; c < count; c++) {
    const length = buffer.readInt32BE(pos);
    pos += 4;
    if (length < 0) {
      fields[c] = null;
    } else {
      fields[c] = buffer.utf8Slice(pos, pos + length);
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
 */
const enum Packing {
  Digits,
  Text,
  Convert,
}

function packingOf(decoder: PgDecoder): Packing {
  if (decoder === 'int' || decoder === 'int8') return Packing.Digits;
  return decoder === 'text' ? Packing.Text : Packing.Convert;
}

/** Longest integer text that is always a safe integer: 15 characters (`-99999999999999`, `999999999999999`). */
const SAFE_DIGITS = 15;

/** @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone in the spec. */
export function pgTextDecoder(spec: PgTextSpec): RowDecoder {
  const converters: readonly Converter[] = spec.decoders.map((decoder) => pgConverter(decoder, spec.timeZone));
  const packings: readonly Packing[] = spec.decoders.map(packingOf);
  return {
    pack(bytes, start, _end, rowNumber, packer) {
      const buffer = bufferOf(bytes);
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
          const packing = packings[c];
          if (packing === Packing.Digits && length <= SAFE_DIGITS) packer.addDigits(buffer, pos, end);
          else if (packing === Packing.Text && isPlainBytes(buffer, pos, end)) packer.addPlainBytes(buffer, pos, end);
          else packer.addCell((converters[c] as Converter)(buffer.utf8Slice(pos, end)));
          pos = end;
        }
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      packer.endRow();
    },
    decode(bytes, start, _end, rowNumber) {
      // The sampled rows (and a totals sheet's) only: the strings pgTextFields makes do not matter here.
      const row: CellValue[] = pgTextFields(bytes, start);
      let c = 0;
      try {
        for (; c < row.length; c++) {
          const text = row[c];
          if (text !== null) row[c] = (converters[c] as Converter)(text);
        }
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      return row;
    },
  };
}
