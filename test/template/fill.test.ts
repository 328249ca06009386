import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runExport } from '../../src/pipeline/index.js';
import { fillTemplate } from '../../src/index.js';
import { tempDir } from '../pipeline/fixtures.js';
import { xlsxCheck, type ExpectedSheet } from '../helpers/xlsx-check.js';
import { assertCopiedRaw, assertSchemaValid, dataSheet, day, expectedSales, fixture, PG_URL, salesQuery, storedEntries, summarySheet } from './helpers.js';

const ROWS = 20_000;

test('a table fills from PostgreSQL: readers see the rows, formulas and names over the table cover them, the rest is copied raw', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'filled.xlsx');
  const template = fixture('template.xlsx');
  const result = await runExport({ source: PG_URL, query: salesQuery(ROWS), out, template: { file: template, into: 'table:Sales' }, threads: 2 });
  assert.equal(result.rows, ROWS);
  assert.deepEqual(result.sheets, ['Data']);

  const expected: ExpectedSheet[] = [{ name: 'Cover', rows: [['Monthly sales report'], [], ['Prepared by Finance']] }, dataSheet(ROWS), summarySheet(ROWS)];
  // LibreOffice recomputes the formulas (the file asks for a full recalculation on load) and must see the new totals.
  // Gnumeric cannot evaluate structured references (Sales[amount]) at all, in any file: it reads the data sheet only.
  const check = await xlsxCheck(out, expected, 'zip,openpyxl,libreoffice,xlsx2csv');
  assert.equal(check.code, 0, check.output);
  const gnumeric = await xlsxCheck(out, expected, 'gnumeric', ['--sheet', 'Data']);
  assert.equal(gnumeric.code, 0, gnumeric.output);
  await assertSchemaValid(out);

  const entries = storedEntries(out);
  const table = entries.get('xl/tables/table1.xml')?.text() ?? '';
  assert.match(table, / ref="A3:E20003"/);
  assert.match(table, /<autoFilter ref="A3:E20003"\/>/);
  const workbook = entries.get('xl/workbook.xml')?.text() ?? '';
  assert.match(workbook, /<definedName name="SalesBlock">Data!\$A\$3:\$E\$20003<\/definedName>/);
  assert.match(workbook, /'Data'!\$A\$1:\$E\$20003<\/definedName>/, 'the print area grows');
  assert.match(workbook, /fullCalcOnLoad="1"/);
  assert.match(entries.get('xl/charts/chart1.xml')?.text() ?? '', /<f>'Data'!\$E\$4:\$E\$20003<\/f>/, 'the chart series grows');
  const sheet = entries.get('xl/worksheets/sheet2.xml')?.text() ?? '';
  assert.match(sheet, /<conditionalFormatting sqref="E4:E20003">/, 'the conditional format grows');
  assert.match(sheet, /<dataValidation [^>]*sqref="D4:D20003"/, 'the data validation grows');
  assertCopiedRaw(template, out, ['xl/worksheets/sheet2.xml', 'xl/tables/table1.xml', 'xl/workbook.xml', 'xl/charts/chart1.xml', 'xl/worksheets/sheet3.xml']);
});

test('a sheet!cell target fills below the header from its column, with the first data row\'s styles; the sheet autofilter grows', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'sheet.xlsx');
  const template = fixture('sheet.xlsx');
  const rows = 3_000;
  await runExport({ source: PG_URL, query: salesQuery(rows), out, template: { file: template, into: 'sheet:Export!B3' }, threads: 2 });
  const expected: ExpectedSheet[] = [
    {
      name: 'Export',
      rows: [
        [null, 'Export'],
        [null, 'id', 'region', 'sold_on', 'quantity', 'amount'],
        ...expectedSales(rows).map(([id, region, sold, quantity, amount]) => [null, id, region, day(sold), quantity, amount]),
      ],
    },
    { name: 'Notes', rows: [['Untouched']] },
  ];
  const check = await xlsxCheck(out, expected, 'zip,openpyxl');
  assert.equal(check.code, 0, check.output);
  await assertSchemaValid(out);
  const sheet = storedEntries(out).get('xl/worksheets/sheet1.xml')?.text() ?? '';
  assert.match(sheet, /<autoFilter ref="B2:F3002"\/>/);
  assert.match(sheet, /<c r="F3" s="4"><v>0.25<\/v><\/c>/, 'the amount column keeps the template\'s number style');
  assertCopiedRaw(template, out, ['xl/worksheets/sheet1.xml', 'xl/workbook.xml']);
});

test('a totals row moves below the new rows and keeps its formula', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'totals.xlsx');
  const template = fixture('totals.xlsx');
  const rows = 500;
  const sales = expectedSales(rows);
  await fillTemplate({
    template,
    into: { table: 'sales' },
    out,
    rows: sales.map(([id, region, sold, quantity, amount]) => [id, region, new Date(`${sold}T00:00:00Z`), quantity, amount]),
    threads: 1,
  });
  const amount = sales.reduce((sum, row) => sum + row[4], 0);
  const data = dataSheet(rows);
  data.rows.push(['Total', null, null, null, { formula: 'SUBTOTAL(109,Sales[amount])', value: amount }]);
  const check = await xlsxCheck(out, [{ name: 'Cover', rows: [['Monthly sales report'], [], ['Prepared by Finance']] }, data], 'zip,openpyxl,libreoffice', ['--sheet', 'Data']);
  assert.equal(check.code, 0, check.output);
  await assertSchemaValid(out);
  const table = storedEntries(out).get('xl/tables/table1.xml')?.text() ?? '';
  assert.match(table, / ref="A3:E504"/, 'the table includes the moved totals row');
  assert.match(table, /<autoFilter ref="A3:E503"\/>/, 'the autofilter stops above the totals row');
});

test('no rows: the table keeps one empty data row and the output is still valid', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'empty.xlsx');
  await fillTemplate({ template: fixture('template.xlsx'), into: 'table:Sales', out, rows: [], threads: 1 });
  await assertSchemaValid(out);
  const check = await xlsxCheck(out, [{ name: 'Data', rows: [['Sales data'], [], ['id', 'region', 'sold_on', 'quantity', 'amount']] }], 'zip,openpyxl', ['--sheet', 'Data']);
  assert.equal(check.code, 0, check.output);
  assert.match(storedEntries(out).get('xl/tables/table1.xml')?.text() ?? '', / ref="A3:E4"/);
  assert.deepEqual(readdirSync(dir).filter((name) => !name.endsWith('.json')), ['empty.xlsx']);
});

test('parts the template stores uncompressed are copied stored, and an .xlsm keeps its VBA project byte for byte', async (t) => {
  const dir = tempDir(t);
  const template = join(dir, 'stored.xlsm');
  // A stored copy of the fixture, with a stand-in vbaProject.bin (never executed: only its bytes are compared).
  execFileSync('/usr/bin/python3', [
    '-c',
    `import zipfile
src = zipfile.ZipFile(${JSON.stringify(fixture('template.xlsx'))})
dst = zipfile.ZipFile(${JSON.stringify(template)}, 'w', zipfile.ZIP_STORED)
for info in src.infolist():
    dst.writestr(info.filename, src.read(info.filename))
dst.writestr('xl/vbaProject.bin', bytes(range(256)) * 8)
dst.close()`,
  ]);
  const out = join(dir, 'filled.xlsm');
  await fillTemplate({ template, into: 'table:Sales', out, rows: expectedSales(100).map(([id, region, sold, quantity, amount]) => [id, region, new Date(`${sold}T00:00:00Z`), quantity, amount]), threads: 1 });
  const entries = storedEntries(out);
  assert.equal(entries.get('xl/theme/theme1.xml')?.method, 0, 'a stored part stays stored');
  assertCopiedRaw(template, out, ['xl/worksheets/sheet2.xml', 'xl/tables/table1.xml', 'xl/workbook.xml', 'xl/charts/chart1.xml', 'xl/worksheets/sheet3.xml', 'xl/styles.xml']);
  const check = await xlsxCheck(out, [dataSheet(100)], 'zip,openpyxl', ['--sheet', 'Data']);
  assert.equal(check.code, 0, check.output);
});
