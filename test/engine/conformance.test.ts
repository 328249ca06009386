import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { formula } from '../../src/xlsx/formula.js';
import type { CellValue, ColumnOptions } from '../../src/xlsx/types.js';
import { expectedCell, xlsxCheck, type ExpectedSheet } from '../helpers/xlsx-check.js';
import { nastySheets } from './nasty-data.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';

const formatted: { column: ColumnOptions; values: CellValue[] }[] = [
  { column: { header: 'integer', format: 'integer' }, values: [0, 42, -7, 9007199254740991, 123456789] },
  { column: { header: 'decimal', format: 'decimal', decimals: 3 }, values: [1234.5, -0.125, 0.001, 99999.999, 3] },
  { column: { header: 'currency', format: 'currency' }, values: [1234567.891, -1234.5, 0, 0.01, 7] },
  { column: { header: 'percent', format: 'percent', decimals: 1 }, values: [0.125, 1, -0.5, 0, 0.3333] },
  { column: { header: 'date', format: 'date' }, values: [new Date('2024-01-15T00:00:00Z'), new Date('1900-01-01T00:00:00Z'), new Date('1900-02-28T00:00:00Z'), new Date('1900-03-01T00:00:00Z'), new Date('9999-12-31T00:00:00Z')] },
  { column: { header: 'datetime', format: 'datetime' }, values: [new Date('2024-02-29T13:45:30Z'), new Date('1970-01-01T00:00:00Z'), new Date('2000-06-30T23:59:59Z'), null, new Date('1900-01-02T06:00:00Z')] },
  { column: { header: 'time', format: 'time' }, values: [new Date('1899-12-31T12:30:15Z'), new Date('1899-12-31T00:00:00Z'), new Date('1899-12-31T23:59:59Z'), new Date('1899-12-31T08:05:00Z'), undefined] },
  { column: { header: 'text', format: 'text' }, values: ['00123', '=1+1', '', '@SUM(1)', '-1'] },
  { column: { header: 'custom', format: { code: '0.00E+00' } }, values: [12345.678, 1e-10, -2.5e300, 1, 0] },
  { column: { header: 'big', width: 30 }, values: [12345678901234567890n, -9007199254740993n, 5n, 2 ** 60, -(2 ** 55)] },
  { column: { header: 'mixed' }, values: [true, false, formula('1+1', 2), new Date('1850-06-15T00:00:00Z'), 'tail  '] },
];

function formattedRows(): CellValue[][] {
  const rows: CellValue[][] = [];
  for (let r = 0; r < 5; r++) rows.push(formatted.map((f) => f.values[r]));
  return rows;
}

async function writeNastyWorkbook(path: string, threads: number): Promise<ExpectedSheet[]> {
  const book = new XlsxWriter(path, { threads, deterministic: true, customProperties: { traceId: '0af7651916cd43dd8448eb211c80319c', color: 'canary' } });
  const expected: ExpectedSheet[] = [];
  for (const sheet of nastySheets()) {
    const writer = book.addSheet(sheet.name);
    await writer.addBatch(sheet.rows);
    expected.push({ name: sheet.name, rows: sheet.rows.map((row) => row.map(expectedCell)) });
  }
  const columns = formatted.map((f) => f.column);
  const typed = book.addSheet('Formats', { columns, autoFilter: true });
  await typed.addBatch(formattedRows());
  expected.push({ name: 'Formats', rows: [columns.map((c) => c.header ?? null), ...formattedRows().map((row) => row.map(expectedCell))] });
  // The same nasty strings through the bounded shared-string table.
  const strings = nastySheets()[0]!.rows.filter((row) => typeof row[1] === 'string');
  const shared = book.addSheet('Shared', { columns: [{ header: 'case', sharedStrings: true }, { header: 'value', sharedStrings: true }] });
  await shared.addBatch(strings);
  await shared.addBatch(strings);
  expected.push({ name: 'Shared', rows: [['case', 'value'], ...[...strings, ...strings].map((row) => row.map(expectedCell))] });
  await book.close();
  return expected;
}

test('nasty values open with identical values in openpyxl, LibreOffice, gnumeric and xlsx2csv', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-conf-'));
  const path = join(dir, 'nasty.xlsx');
  const expected = await writeNastyWorkbook(path, 2);
  const result = await xlsxCheck(path, expected);
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /5 readers passed, 0 failed/);
});

test('nasty values read back identically with ExcelJS', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-conf-'));
  const path = join(dir, 'nasty.xlsx');
  const expected = await writeNastyWorkbook(path, 1);
  const actual = await readWithExcelJs(path, ['Shared']);
  assert.deepEqual(actual.map((sheet) => sheet.name), expected.map((sheet) => sheet.name));
  for (const [i, sheet] of expected.entries()) {
    const got = actual[i]!;
    sheet.rows.forEach((row, r) => {
      row.forEach((cell, c) => {
        // -0 is stored as 0 (Excel has no negative zero); everything else must be identical.
        const want = cell === 0 ? 0 : cell;
        assert.deepEqual(got.rows[r]?.[c] ?? null, want, `${sheet.name} row ${r + 1} column ${c + 1}`);
      });
    });
  }
});
