/** PostgreSQL DataRow bodies in text format, the way pg-wire.ts frames them, for tests of the encoded-rows path. */
import { PG_TEXT_ENCODING, type PgTextSpec } from '../../src/sources/pg-rows.js';
import type { EncodedRows } from '../../src/xlsx/encoded-rows.js';

/** `rows` as server text (null for NULL); `firstRow` is the 1-based source row of the first. */
export function encodePgText(rows: readonly (readonly (string | null)[])[], spec: PgTextSpec, firstRow: number): EncodedRows {
  const parts: Buffer[] = [];
  const offsets = new Uint32Array(rows.length + 1);
  let length = 0;
  rows.forEach((row, r) => {
    const head = Buffer.alloc(2);
    head.writeInt16BE(row.length);
    parts.push(head);
    length += 2;
    for (const field of row) {
      const size = Buffer.alloc(4);
      const bytes = field === null ? Buffer.alloc(0) : Buffer.from(field, 'utf8');
      size.writeInt32BE(field === null ? -1 : bytes.length);
      parts.push(size, bytes);
      length += 4 + bytes.length;
    }
    offsets[r + 1] = length;
  });
  return { encoding: PG_TEXT_ENCODING, spec, bytes: new Uint8Array(Buffer.concat(parts)), offsets, rows: rows.length, firstRow };
}
