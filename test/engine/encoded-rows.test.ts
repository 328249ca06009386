import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { pgTextDecoder, type PgTextSpec } from '../../src/sources/pg-rows.js';
import { MAX_ROWS } from '../../src/xlsx/cell-ref.js';
import type { CellValue, ColumnOptions } from '../../src/xlsx/types.js';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { encodePgText as encode } from '../helpers/pg-encode.js';
import { readAllEntries } from '../helpers/zip-read.js';

const SPEC: PgTextSpec = {
  decoders: ['int8', 'float', 'text', 'timestamptz', 'numeric', 'boolean', 'array:number'],
  names: ['id', 'ratio', 'note', 'at', 'amount', 'ok', 'list'],
  timeZone: 'Europe/Paris',
};
/** With a table, the amount column has a totals row (its cached sum comes from rows decoded on the main thread). */
const columns = (table: boolean): ColumnOptions[] => SPEC.names.map((header, i) => ({ header, ...(table && i === 4 ? { totals: 'sum' as const } : {}) }));

function textRow(i: number): (string | null)[] {
  return [
    i === 7 ? '9223372036854775807' : i === 8 ? '1234567890123456' : i === 9 ? '-99999999999999' : i === 10 ? '-9007199254740993' : String(i),
    String(i / 7),
    i % 11 === 0 ? null : i % 13 === 0 ? 'a < b & "c" é 日本' : i % 19 === 0 ? ' padded ' : i % 23 === 0 ? 'lit _x0041_ eral' : i % 29 === 0 ? 'tab\there\nline' : i % 31 === 0 ? '' : `note ${i}`,
    `2024-03-${String(1 + (i % 28)).padStart(2, '0')} 12:34:56.789+00`,
    i % 17 === 0 ? '12345678901234567890.5' : (i / 100).toFixed(2),
    i % 2 === 0 ? 't' : 'f',
    i % 5 === 0 ? null : `{${i},NULL,3}`,
  ];
}

async function workbook(rows: number, feed: 'values' | 'encoded', threads: number, table: boolean): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-encoded-'));
  const path = join(dir, `${feed}.xlsx`);
  const book = new XlsxWriter(path, { threads, deterministic: true, chunkRows: 700 });
  const sheet = book.addSheet('Data', { columns: columns(table), ...(table ? { table: {} } : {}) });
  const decoder = pgTextDecoder(SPEC);
  for (let first = 1; first <= rows; first += 1000) {
    const text = Array.from({ length: Math.min(1000, rows - first + 1) }, (_, k) => textRow(first + k));
    const batch = encode(text, SPEC, first);
    if (feed === 'encoded') {
      await sheet.addEncoded(batch);
    } else {
      const values: CellValue[][] = [];
      for (let r = 0; r < batch.rows; r++) values.push(decoder.decode(batch.bytes, batch.offsets[r] as number, batch.offsets[r + 1] as number, first + r));
      await sheet.addBatch(values);
    }
  }
  await book.close();
  return readFile(path);
}

test('encoded rows make the same workbook as their decoded values, chunked the same whatever the thread count', async () => {
  for (const table of [false, true]) {
    const expected = readAllEntries(await workbook(25_000, 'values', 2, table));
    for (const threads of [1, 2]) {
      const actual = readAllEntries(await workbook(25_000, 'encoded', threads, table));
      assert.deepEqual([...actual.keys()], [...expected.keys()]);
      for (const [name, xml] of expected) assert.equal(actual.get(name), xml, `${name}, table ${table}, ${threads} thread(s)`);
    }
  }
  // The totals row's cached sum came from rows decoded on the main thread: check it is there.
  const sheet = readAllEntries(await workbook(100, 'encoded', 2, true)).get('xl/worksheets/sheet1.xml') ?? '';
  assert.match(sheet, /<f>SUBTOTAL\(109,/);
});

test('a NaN the render worker decodes fails the export with SHEETPIPE_ERR_SOURCE_NOT_FINITE naming the source row and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-encoded-'));
  const spec: PgTextSpec = { decoders: ['int', 'float'], names: ['n', 'bad col'] };
  const book = new XlsxWriter(join(dir, 'nan.xlsx'), { threads: 2 });
  const sheet = book.addSheet('Data', { columns: [{ header: 'n' }, { header: 'bad col' }] });
  const failure = (async () => {
    for (let first = 1; first <= 20_000; first += 1000) {
      const rows = Array.from({ length: 1000 }, (_, k) => [String(first + k), first + k === 12_345 ? 'NaN' : '1.5']);
      await sheet.addEncoded(encode(rows, spec, first));
    }
    await book.close();
  })();
  await assert.rejects(failure, (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FINITE'), String(error));
    assert.match(error.message, /row 12345, column "bad col": the database returned NaN/);
    return true;
  });
  await book.abort(new Error('test')).catch(() => {});
});

test('encoded rows roll over at 1,048,576 rows, split at a row boundary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-encoded-roll-'));
  const path = join(dir, 'roll.xlsx');
  const spec: PgTextSpec = { decoders: ['int'], names: ['n'] };
  const book = new XlsxWriter(path, { threads: 2 });
  const sheet = book.addSheet('Ledger', { columns: [{ header: 'n' }] });
  const total = MAX_ROWS - 1 + 25;
  for (let first = 1; first <= total; first += 10_000) {
    const rows = Array.from({ length: Math.min(10_000, total - first + 1) }, (_, k) => [String(first + k)]);
    await sheet.addEncoded(encode(rows, spec, first));
  }
  const { sheets, rows } = await book.close();
  assert.deepEqual([sheets, rows], [['Ledger', 'Ledger (2)'], total]);
  const parts = readAllEntries(await readFile(path));
  assert.ok(parts.get('xl/worksheets/sheet1.xml')?.includes(`<row r="${MAX_ROWS}"><c r="A${MAX_ROWS}"><v>${MAX_ROWS - 1}</v></c></row></sheetData>`));
  const second = parts.get('xl/worksheets/sheet2.xml') ?? '';
  assert.ok(second.includes(`<row r="2"><c r="A2"><v>${MAX_ROWS}</v></c></row>`));
  assert.ok(second.includes(`<row r="26"><c r="A26"><v>${MAX_ROWS + 24}</v></c></row></sheetData>`));
});
