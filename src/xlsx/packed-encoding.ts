/**
 * Encoding `packed`: rows a source already packed in the render workers' own format (row-packer.ts), in a thread of
 * its own, with its values converted there (the SQLite reader thread, sources/sqlite-rows.ts). A render worker only
 * copies them into its packer; the main thread reads back the few rows the sheet writer samples.
 *
 * Why: on 2 cores the total CPU decides. Packing values in the reader thread and decoding them again in the workers
 * (encoding `sqlite-values`) wrote and read every value twice: ~1.2 s more CPU for the 1M-row demo table (bench/RESULTS.md,
 * "SQLite rows packed in the reader thread").
 * The cells are limited to what a copy can carry: no SHARED (the workbook's table is the main thread's) and no OTHER.
 */
import type { RowDecoder } from './encoded-rows.js';
import { bufferOf, CellTag } from './row-packer.js';
import type { CellValue } from './types.js';

export const PACKED_ENCODING = 'packed';

/** One packed row's cells, as the values it was packed from (an empty cell as null). */
export function packedCells(bytes: Uint8Array, start: number, end: number): CellValue[] {
  const buffer = bufferOf(bytes);
  const row: CellValue[] = [];
  let pos = start;
  for (;;) {
    const tag = buffer[pos++] as CellTag;
    switch (tag) {
      case CellTag.End:
        if (pos !== end) throw new Error(`packed row ends at ${pos}, expected ${end}`);
        return row;
      case CellTag.Empty:
        row.push(null);
        break;
      case CellTag.True:
      case CellTag.False:
        row.push(tag === CellTag.True);
        break;
      case CellTag.Number:
      case CellTag.Date: {
        const value = buffer.readDoubleLE(pos);
        row.push(tag === CellTag.Date ? new Date(value) : value);
        pos += 8;
        break;
      }
      case CellTag.Plain:
      case CellTag.Text:
      case CellTag.Digits: {
        const length = buffer.readUInt32LE(pos);
        const text = tag === CellTag.Text ? buffer.utf8Slice(pos + 4, pos + 4 + length) : buffer.latin1Slice(pos + 4, pos + 4 + length);
        row.push(tag === CellTag.Digits ? Number(text) : text);
        pos += 4 + length;
        break;
      }
      default:
        throw new Error(`packed rows cannot carry cell tag ${tag}`);
    }
  }
}

export const packedDecoder: RowDecoder = {
  decode: (bytes, start, end) => packedCells(bytes, start, end),
  pack: (bytes, start, end, _rowNumber, packer) => packer.addPackedRow(bytes, start, end),
};
