import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { mapBatch } from '../../src/sources/convert.js';
import { SqliteRowPacker, SqliteValueError, sqliteConverters, valueFailureError, type SqliteValuesSpec } from '../../src/sources/sqlite-rows.js';
import { packedCells, packedDecoder } from '../../src/xlsx/packed-encoding.js';
import { RowPacker } from '../../src/xlsx/row-packer.js';

const SPEC: SqliteValuesSpec = {
  names: ['id', 'ratio', 'note', 'ok', 'at', 'blob', 'any'],
  types: ['INTEGER', 'REAL', 'TEXT', 'BOOLEAN', 'DATETIME', 'BLOB', null],
  timeZone: 'Europe/Paris',
};

/** Rows as better-sqlite3 returns them with `raw` and `safeIntegers`. */
const ROWS: unknown[][] = [
  [1n, 0.5, 'plain text', 1n, '2024-03-01 10:20:30', Buffer.from([0xde, 0xad]), 'x'],
  [-(2n ** 53n) + 1n, -1e300, 'a & b <c> ü 😀', 0n, '2024-03-01T10:20:30+02:00', Buffer.alloc(0), 7n],
  [2n ** 60n, 0, '', 2n, 'not a date', null, 1.25],
  [null, null, ' padded ', null, null, null, null],
  [-(2n ** 63n), 3.5, 'under_score', 1n, '2024-12-31', Buffer.from('hi'), 2n ** 53n],
];

/** The rows packed in batches of `perBatch`, as the reader thread sends them. */
function batches(rows: readonly unknown[][], perBatch: number): { bytes: Uint8Array; offsets: Uint32Array; rows: number }[] {
  const packer = new SqliteRowPacker(SPEC);
  const out = [];
  for (const row of rows) {
    packer.add(row);
    if (packer.rows === perBatch) out.push(packer.take());
  }
  if (packer.rows > 0) out.push(packer.take());
  return out;
}

test('packed in the reader thread: the cells read back are the ones the main-thread converters make', () => {
  const expected = mapBatch(structuredClone(ROWS), sqliteConverters(SPEC), SPEC.names, 1);
  const cells = batches(ROWS, 2).flatMap(({ bytes, offsets, rows }) =>
    Array.from({ length: rows }, (_, r) => packedCells(bytes, offsets[r] as number, offsets[r + 1] as number)));
  assert.deepEqual(cells, expected);
});

test('packed in the reader thread: a render worker copies the same bytes its packer makes of the cells', () => {
  const expected = mapBatch(structuredClone(ROWS), sqliteConverters(SPEC), SPEC.names, 1);
  const viaCopy = new RowPacker(16); // tiny, so the buffer grows while copying
  const viaCells = new RowPacker(16);
  for (const { bytes, offsets, rows } of batches(ROWS, 3)) {
    for (let r = 0; r < rows; r++) packedDecoder.pack?.(bytes, offsets[r] as number, offsets[r + 1] as number, r + 1, viaCopy);
  }
  for (const row of expected) viaCells.add(row);
  assert.equal(viaCopy.rows, ROWS.length);
  assert.deepEqual(Buffer.from(viaCopy.view().bytes), Buffer.from(viaCells.view().bytes));
  assert.deepEqual(viaCopy.view().others, []);
});

test('packed in the reader thread: a non-finite REAL names its row and column', () => {
  const packer = new SqliteRowPacker(SPEC);
  packer.add(ROWS[0] as unknown[]);
  assert.throws(() => packer.add([1n, Number.POSITIVE_INFINITY, null, null, null, null, null]), (error: unknown) => {
    assert.ok(error instanceof SqliteValueError);
    const rebuilt = valueFailureError(structuredClone(error.failure));
    return isSheetpipeError(rebuilt) && rebuilt.code === 'SHEETPIPE_ERR_SOURCE_NOT_FINITE' && /row 2/.test(rebuilt.message) && /ratio/.test(rebuilt.message);
  });
});
