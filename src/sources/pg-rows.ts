/**
 * PostgreSQL DataRow bodies in text format (`int16 count`, then per column `int32 length` — -1 for NULL — and the
 * value's bytes), decoded with one converter per column (pg-decoders.ts). Runs in the render workers for exports
 * (encoding `pg-text`, see xlsx/row-encodings.ts) and on the main thread for everything else that reads rows.
 */
import type { FastBuffer } from '../xlsx/row-packer.js';
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

/** @throws SHEETPIPE_ERR_SOURCE_TIME_ZONE for an unknown zone in the spec. */
export function pgTextDecoder(spec: PgTextSpec): RowDecoder {
  const converters: readonly Converter[] = spec.decoders.map((decoder) => pgConverter(decoder, spec.timeZone));
  return {
    decode(bytes, start, _end, rowNumber) {
      const buffer = bufferOf(bytes);
      const count = buffer.readInt16BE(start);
      const row = new Array<CellValue>(count);
      let pos = start + 2;
      let c = 0;
      try {
        for (; c < count; c++) {
          const length = buffer.readInt32BE(pos);
          pos += 4;
          if (length < 0) {
            row[c] = null;
            continue;
          }
          row[c] = (converters[c] as Converter)(buffer.utf8Slice(pos, pos + length));
          pos += length;
        }
      } catch (error) {
        throw namedFailure(error, rowNumber, spec.names[c]);
      }
      return row;
    },
  };
}
