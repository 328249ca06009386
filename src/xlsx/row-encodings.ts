/**
 * The encodings `SheetWriter.addEncoded` accepts, by id: each builds a row decoder from its serialisable spec,
 * in whichever thread decodes (the main thread for the sampled rows, a render worker for the rest).
 */
import { MYSQL_BINARY_ENCODING, mysqlBinaryDecoder, type MysqlBinarySpec } from '../sources/mysql-rows.js';
import { PG_TEXT_ENCODING, pgTextDecoder, type PgTextSpec } from '../sources/pg-rows.js';
import type { EncodedRows, RowDecoder } from './encoded-rows.js';
import { PACKED_ENCODING, packedDecoder } from './packed-encoding.js';
import type { PackedRows, RowPacker } from './row-packer.js';
import type { Row } from './types.js';

const ENCODINGS: ReadonlyMap<string, (spec: unknown) => RowDecoder> = new Map([
  [PG_TEXT_ENCODING, (spec: unknown) => pgTextDecoder(spec as PgTextSpec)],
  [MYSQL_BINARY_ENCODING, (spec: unknown) => mysqlBinaryDecoder(spec as MysqlBinarySpec)],
  [PACKED_ENCODING, () => packedDecoder],
]);

/** Decoders already built in this thread, by encoding and spec (a chunk's spec is a fresh copy each time). */
const built = new Map<string, RowDecoder>();

export function rowDecoder(encoding: string, spec: unknown): RowDecoder {
  const key = encoding + '\0' + JSON.stringify(spec);
  let decoder = built.get(key);
  if (decoder === undefined) {
    const make = ENCODINGS.get(encoding);
    if (make === undefined) throw new Error(`unknown row encoding ${JSON.stringify(encoding)}`);
    if (built.size > 16) built.clear();
    decoder = make(spec);
    built.set(key, decoder);
  }
  return decoder;
}

/**
 * Decodes the encoded rows into `packer` (emptied first), so the renderer takes them like any packed rows; `onRow`,
 * when given, also sees each row's values (the decoder's `pack` shortcut is skipped then).
 */
export function packEncoded(rows: EncodedRows, packer: RowPacker, onRow?: (row: Row) => void): PackedRows {
  const decoder = rowDecoder(rows.encoding, rows.spec);
  const { bytes, offsets } = rows;
  packer.reset();
  if (onRow !== undefined) {
    for (let r = 0; r < rows.rows; r++) {
      const row = decoder.decode(bytes, offsets[r] as number, offsets[r + 1] as number, rows.firstRow + r);
      onRow(row);
      packer.add(row);
    }
    return packer.view();
  }
  const pack = decoder.pack?.bind(decoder);
  for (let r = 0; r < rows.rows; r++) {
    if (pack !== undefined) pack(bytes, offsets[r] as number, offsets[r + 1] as number, rows.firstRow + r, packer);
    else packer.add(decoder.decode(bytes, offsets[r] as number, offsets[r + 1] as number, rows.firstRow + r));
  }
  return packer.view();
}
