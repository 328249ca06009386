import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { mapBatch } from '../../src/sources/convert.js';
import { SqliteRowWriter, sqliteConverters, sqliteRowValues, sqliteValuesDecoder, type SqliteValuesSpec } from '../../src/sources/sqlite-rows.js';
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

function written(rows: readonly unknown[][]): { bytes: Uint8Array; offsets: number[] } {
  const writer = new SqliteRowWriter(SPEC, 16); // tiny, so the buffer grows while writing
  const offsets = [0];
  for (const row of rows) {
    writer.add(row);
    offsets.push(writer.length);
  }
  return { bytes: writer.take(), offsets };
}

test('sqlite-values: values read back as better-sqlite3 returned them, temporal text the reader thread parsed as Dates', () => {
  const { bytes, offsets } = written(ROWS);
  const converters = sqliteConverters(SPEC);
  ROWS.forEach((row, r) => {
    const at = row[4];
    const parsed = typeof at === 'string' ? converters[4]?.(at) : at;
    assert.deepEqual(sqliteRowValues(bytes, offsets[r] as number, offsets[r + 1] as number), row.with(4, parsed instanceof Date ? parsed : at));
  });
});

test('sqlite-values: the workers pack and decode the same cells the main-thread converters make', () => {
  const { bytes, offsets } = written(ROWS);
  const decoder = sqliteValuesDecoder(SPEC);
  const expected = mapBatch(structuredClone(ROWS), sqliteConverters(SPEC), SPEC.names, 1);
  const viaPack = new RowPacker(16);
  const viaCells = new RowPacker(16);
  ROWS.forEach((_row, r) => {
    const start = offsets[r] as number;
    const end = offsets[r + 1] as number;
    assert.deepEqual(decoder.decode(bytes, start, end, r + 1), expected[r]);
    decoder.pack?.(bytes, start, end, r + 1, viaPack);
    viaCells.add(expected[r] as never);
  });
  assert.deepEqual(Buffer.from(viaPack.view().bytes), Buffer.from(viaCells.view().bytes));
  assert.deepEqual(viaPack.view().others, viaCells.view().others);
});

test('sqlite-values: a non-finite REAL names its row and column', () => {
  const { bytes, offsets } = written([[1n, Number.POSITIVE_INFINITY, null, null, null, null, null]]);
  const decoder = sqliteValuesDecoder(SPEC);
  for (const run of [() => decoder.decode(bytes, 0, offsets[1] as number, 42), () => decoder.pack?.(bytes, 0, offsets[1] as number, 42, new RowPacker())]) {
    assert.throws(run, (error: unknown) => isSheetpipeError(error) && error.code === 'SHEETPIPE_ERR_SOURCE_NOT_FINITE' && /42/.test(error.message) && /ratio/.test(error.message));
  }
});
