import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { pgTextDecoder, type PgTextSpec } from '../../src/sources/pg-rows.js';
import { MAX_ROWS } from '../../src/xlsx/cell-ref.js';
import type { CellValue, ColumnOptions, TotalsFunction } from '../../src/xlsx/types.js';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { encodePgText as encode } from '../helpers/pg-encode.js';
import { readAllEntries } from '../helpers/zip-read.js';

const SPEC: PgTextSpec = {
  decoders: ['int8', 'float', 'text', 'timestamptz', 'numeric', 'boolean', 'array:number'],
  names: ['id', 'ratio', 'note', 'at', 'amount', 'ok', 'list'],
  timeZone: 'Europe/Paris',
};
/** With a table, a totals row: the render workers aggregate the encoded rows' values chunk by chunk. */
const TOTALS: Readonly<Record<number, TotalsFunction>> = { 0: 'min', 1: 'average', 2: 'count', 3: 'max', 4: 'sum' };
const columns = (spec: PgTextSpec, table: boolean): ColumnOptions[] => spec.names.map((header, i) => ({ header, ...(table && TOTALS[i] !== undefined ? { totals: TOTALS[i] } : {}) }));

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

async function workbook(rows: number, feed: 'values' | 'encoded', threads: number, table: boolean, spec = SPEC, row = textRow): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-encoded-'));
  const path = join(dir, `${feed}.xlsx`);
  const book = new XlsxWriter(path, { threads, deterministic: true, chunkRows: 700 });
  const sheet = book.addSheet('Data', { columns: columns(spec, table), ...(table ? { table: {} } : {}) });
  const decoder = pgTextDecoder(spec);
  for (let first = 1; first <= rows; first += 1000) {
    const text = Array.from({ length: Math.min(1000, rows - first + 1) }, (_, k) => row(first + k));
    const batch = encode(text, spec, first);
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
});

/**
 * Text as PostgreSQL 15 prints it (extra_float_digits 3, ISO dates) at the edges of pack's converter-free paths:
 * decimals JavaScript prints with an exponent or as -0, more than 15 significant digits, timestamps past Date's
 * range or BC. Whatever path a value takes, the worksheet must be the one its decoded value makes.
 */
const EDGES: PgTextSpec = {
  decoders: ['numeric', 'float', 'timestamp', 'date', 'timestamptz', 'boolean'],
  names: ['amount', 'ratio', 'at', 'day', 'instant', 'ok'],
  timeZone: 'America/New_York',
};
const EDGE_TEXT: readonly (readonly string[])[] = [
  ['0.000001', '0.0000001', '-0.00', '0.00', '123.400', '-123.450', '0.0000100', '100000000000000', '999999999999999', '9999999999999999',
    '0.123456789012345', '0.1234567890123456', '12345678901234.5', '1234567890123456.5', '-0.000010', '-0.0000001', '1.10', '10.000'],
  ['1e-05', '1.5e+300', '-0', '0', '1e+15', '1.2345678901234568e+20', '0.1', '-123.456', '5e-324', '0.30000000000000004'],
  ['294276-12-31 23:59:59.999999', '0044-03-15 00:00:00 BC', '1969-12-31 23:59:59.9999', '2024-02-29 12:34:56.789', '10000-01-01 00:00:00',
    '2024-02-30 10:00:00', '1999-12-31 23:59:59.1239', '0001-01-01 00:00:00'],
  ['275760-09-13', '275760-09-14', '0044-03-15 BC', '2024-02-29', '1899-12-31', '2023-02-29'],
  ['1900-01-01 00:00:00.0005+00', '2024-07-01 12:00:00+00', '2024-03-10 07:30:00+00', '2024-07-01 12:00:00.5+00', '2024-07-01 12:00:00+05:30', '2024-11-03 06:30:00.000001+00'],
  ['t', 'f'],
];
const edgeRow = (i: number): (string | null)[] => EDGE_TEXT.map((texts) => (i % 7 === 6 ? null : (texts[i % texts.length] as string)));

test('pack\'s converter-free paths (numeric digits, floats, dates, booleans) make the sheet the decoded values make, edge values included', async () => {
  const expected = readAllEntries(await workbook(3_000, 'values', 2, false, EDGES, edgeRow));
  const actual = readAllEntries(await workbook(3_000, 'encoded', 2, false, EDGES, edgeRow));
  const sheet = expected.get('xl/worksheets/sheet1.xml') ?? '';
  assert.match(sheet, /<v>0\.000001<\/v>/);
  for (const [name, xml] of expected) assert.equal(actual.get(name), xml, name);
});

test('a totals row over encoded rows: cached values from the workers\' chunk aggregates, merged in chunk order', async () => {
  const rows = 25_000;
  const sheets = [];
  for (const threads of [1, 2, 3]) sheets.push(readAllEntries(await workbook(rows, 'encoded', threads, true)).get('xl/worksheets/sheet1.xml') ?? '');
  assert.equal(sheets[1], sheets[0]);
  assert.equal(sheets[2], sheets[0]);
  const totalsRow = /<row r="25002"[^>]*>(.*?)<\/row>/.exec(sheets[0] as string)?.[1] ?? '';
  const cached = (column: string): number => Number(new RegExp(`<c r="${column}25002"[^>]*><f>SUBTOTAL\\(\\d+,${column}2:${column}25001\\)</f><v>([^<]*)</v>`).exec(totalsRow)?.[1]);
  const values: CellValue[][] = [];
  const decoder = pgTextDecoder(SPEC);
  const batch = encode(Array.from({ length: rows }, (_, k) => textRow(k + 1)), SPEC, 1);
  for (let r = 0; r < rows; r++) values.push(decoder.decode(batch.bytes, batch.offsets[r] as number, batch.offsets[r + 1] as number, r + 1));
  const numbers = (c: number): number[] => values.map((row) => row[c]).flatMap((v) => (typeof v === 'number' ? [v] : typeof v === 'bigint' ? [Number(v)] : []));
  assert.equal(cached('A'), Math.min(...numbers(0)));
  assert.equal(cached('C'), values.filter((row) => row[2] !== null && row[2] !== '').length, 'count: non-empty cells');
  assert.equal(cached('D'), 0, 'max of dates: no numbers');
  const sum = numbers(4).reduce((a, b) => a + b, 0);
  // Summed per chunk, then chunk sums in order: within rounding of the one sequential sum.
  assert.ok(Math.abs(cached('E') - sum) <= Math.abs(sum) * 1e-12, `${cached('E')} vs ${sum}`);
  const ratios = numbers(1);
  assert.ok(Math.abs(cached('B') - ratios.reduce((a, b) => a + b, 0) / ratios.length) < 1e-9);
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

test('each rollover part of encoded rows gets its own totals row, from its own chunks\' aggregates', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-encoded-roll-'));
  const path = join(dir, 'roll-totals.xlsx');
  const spec: PgTextSpec = { decoders: ['int'], names: ['n'] };
  const book = new XlsxWriter(path, { threads: 2 });
  const sheet = book.addSheet('Ledger', { columns: [{ header: 'n', totals: 'sum' }], table: {} });
  const total = MAX_ROWS + 100;
  for (let first = 1; first <= total; first += 10_000) {
    const rows = Array.from({ length: Math.min(10_000, total - first + 1) }, (_, k) => [String(first + k)]);
    await sheet.addEncoded(encode(rows, spec, first));
  }
  const { sheets } = await book.close();
  assert.deepEqual(sheets, ['Ledger', 'Ledger (2)']);
  const parts = readAllEntries(await readFile(path));
  // The header and the totals row take two rows of each part.
  const firstPart = MAX_ROWS - 2;
  const sumTo = (n: number): number => (n * (n + 1)) / 2;
  const totalsCell = (xml: string, row: number): string => new RegExp(`<c r="A${row}"[^>]*><f>SUBTOTAL\\(109,A2:A${row - 1}\\)</f><v>([^<]*)</v>`).exec(xml)?.[1] ?? '';
  assert.equal(totalsCell(parts.get('xl/worksheets/sheet1.xml') ?? '', MAX_ROWS), String(sumTo(firstPart)));
  assert.equal(totalsCell(parts.get('xl/worksheets/sheet2.xml') ?? '', total - firstPart + 2), String(sumTo(total) - sumTo(firstPart)));
});
