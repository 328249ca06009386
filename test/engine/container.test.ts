import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { expectedCell, xlsxCheck } from '../helpers/xlsx-check.js';
import { hasZip64EndRecord, listEntries, readAllEntries, readEntry } from '../helpers/zip-read.js';

async function writeSample(options: ConstructorParameters<typeof XlsxWriter>[1], count = 5_000): Promise<{ path: string; rows: CellValue[][] }> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-zip-'));
  const path = join(dir, 'sample.xlsx');
  const rows: CellValue[][] = Array.from({ length: count }, (_, i) => [i, `customer ${i % 977} bought item ${i * 7}`, i / 3, i % 3 === 0]);
  const book = new XlsxWriter(path, { threads: 2, ...options });
  await book.addSheet('Data', { columns: [{ header: 'id' }, { header: 'note' }, { header: 'ratio' }, { header: 'flag' }] }).addBatch(rows);
  await book.close();
  return { path, rows };
}

test('files under 4 GiB carry no ZIP64 records at all', async () => {
  const { path } = await writeSample({});
  const zip = await readFile(path);
  assert.equal(hasZip64EndRecord(zip), false);
  for (const entry of listEntries(zip)) {
    assert.equal(entry.versionNeeded, 20, entry.name);
    assert.equal(entry.localExtraLength, 0, entry.name);
    assert.equal(entry.method, 8);
  }
});

test('forced ZIP64 (the layout of a file over 4 GiB) writes version 4.5 and every ZIP64 field, and opens in zip readers', async () => {
  const { path, rows } = await writeSample({ zip64: 'always' });
  const zip = await readFile(path);
  assert.equal(hasZip64EndRecord(zip), true);
  for (const entry of listEntries(zip)) {
    assert.equal(entry.versionNeeded, 45, entry.name);
    assert.equal(entry.localExtraLength, 20, `${entry.name} has the ZIP64 extra field in its local header`);
  }
  const expected = [{ name: 'Data', rows: [['id', 'note', 'ratio', 'flag'], ...rows.map((row) => row.map(expectedCell))] }];
  // LibreOffice refuses an unneeded ZIP64 end record, which is why the default never writes one below 4 GiB.
  const result = await xlsxCheck(path, expected, 'zip,openpyxl');
  assert.equal(result.code, 0, result.output);
});

test('a size hint that projects past 4 GiB puts ZIP64 in the local header before the data is written', async () => {
  const { path } = await writeSample({ sizeHint: { rows: 1_048_575 } }, 200);
  const sheet = listEntries(await readFile(path)).find((entry) => entry.name === 'xl/worksheets/sheet1.xml')!;
  assert.equal(sheet.versionNeeded, 20, 'about 60 bytes a row × 1M rows stays far under 4 GiB');
  const wide = await mkdtemp(join(tmpdir(), 'sheetpipe-zip-'));
  const widePath = join(wide, 'wide.xlsx');
  const book = new XlsxWriter(widePath, { threads: 1, sizeHint: { rows: 1_000_000 } });
  const row = Array.from({ length: 200 }, (_, i) => `value number ${i} with some text`);
  await book.addSheet('Wide').addBatch(Array.from({ length: 100 }, () => row));
  await book.close();
  const zip = await readFile(widePath);
  const wideSheet = listEntries(zip).find((entry) => entry.name === 'xl/worksheets/sheet1.xml')!;
  assert.equal(wideSheet.versionNeeded, 45, '~9 KB a row × 1M rows may pass 4 GiB');
  assert.equal(wideSheet.localExtraLength, 20);
  assert.equal(hasZip64EndRecord(zip), false, 'the end record stays classic: nothing actually overflowed');
  const expected = [{ name: 'Wide', rows: Array.from({ length: 100 }, () => row) }];
  const result = await xlsxCheck(widePath, expected, 'zip,openpyxl,libreoffice,gnumeric,xlsx2csv');
  assert.equal(result.code, 0, result.output);
});

test('parallel sync-flushed blocks lose under 2 % against one deflate stream at the same level', async () => {
  const { path } = await writeSample({ chunkRows: 500 }, 40_000);
  const zip = await readFile(path);
  const entry = listEntries(zip).find((e) => e.name === 'xl/worksheets/sheet1.xml')!;
  const xml = readEntry(zip, entry);
  const single = deflateRawSync(xml, { level: 1 }).length;
  assert.ok(entry.compressedSize <= single * 1.02, `parallel ${entry.compressedSize} B vs single stream ${single} B`);
});

test('no relationship points at a part that was not written', async () => {
  const { path } = await writeSample({});
  const parts = readAllEntries(await readFile(path));
  assert.equal(parts.has('xl/sharedStrings.xml'), false);
  assert.doesNotMatch(parts.get('xl/_rels/workbook.xml.rels')!, /sharedStrings/);
  assert.doesNotMatch(parts.get('[Content_Types].xml')!, /sharedStrings|custom/);
  assert.doesNotMatch(parts.get('xl/worksheets/sheet1.xml')!, /<dimension/);
});
