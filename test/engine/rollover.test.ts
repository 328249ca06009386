import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { MAX_ROWS } from '../../src/xlsx/cell-ref.js';
import { rolloverName } from '../../src/xlsx/sheet-names.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { listEntries, readAllEntries, readEntry } from '../helpers/zip-read.js';

test('a sheet that reaches 1,048,576 rows rolls over to "Name (2)" with the header repeated', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-roll-'));
  const path = join(dir, 'roll.xlsx');
  const book = new XlsxWriter(path, { threads: 2 });
  const sheet = book.addSheet('Ledger', { columns: [{ header: 'n' }] });
  const total = MAX_ROWS - 1 + 25; // one full sheet of data rows under the header, then 25 more
  const batch: number[][] = [];
  for (let i = 1; i <= total; i++) {
    batch.push([i]);
    if (batch.length === 10_000 || i === total) await sheet.addBatch(batch.splice(0));
  }
  const summary = await book.close();
  assert.deepEqual(summary.sheets, ['Ledger', 'Ledger (2)']);
  assert.equal(summary.rows, total);
  const zip = await readFile(path);
  const entries = listEntries(zip);
  const first = readEntry(zip, entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')!).toString('utf8');
  assert.ok(first.endsWith(`<row r="${MAX_ROWS}"><c r="A${MAX_ROWS}"><v>${MAX_ROWS - 1}</v></c></row></sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`));
  const parts = readAllEntries(zip);
  assert.match(parts.get('xl/workbook.xml')!, /<sheet name="Ledger \(2\)" sheetId="2" r:id="rId2"\/>/);
  const rows = [['n'], ...Array.from({ length: 25 }, (_, i) => [MAX_ROWS + i])];
  const result = await xlsxCheck(path, [{ name: 'Ledger', rows: [['n'], [1], [2]] }, { name: 'Ledger (2)', rows }], 'openpyxl', [
    '--sheet',
    'Ledger (2)',
  ]);
  assert.equal(result.code, 0, result.output);
});

test('rollover names stay within 31 characters', () => {
  assert.equal(rolloverName('Orders', 2), 'Orders (2)');
  const long = 'A'.repeat(31);
  assert.equal(rolloverName(long, 12).length, 31);
  assert.ok(rolloverName(long, 12).endsWith(' (12)'));
});
