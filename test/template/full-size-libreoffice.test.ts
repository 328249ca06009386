import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../pipeline/fixtures.js';
import { repoRoot, xlsxCheck, type ExpectedSheet } from '../helpers/xlsx-check.js';
import { ALL_READERS, escapeRegExp, fillFromPostgres, pageWith, printed, ROWS, timed } from './full-size.js';
import { assertCopiedRaw, assertSchemaValid, convertToPdf, day, expectedSales, pdfPages, salesQuery, storedEntries } from './helpers.js';

const run = promisify(execFile);

// The template is built at test time by the script kept in the repo, with the LibreOffice on the machine: LibreOffice
// stamps its files with the save time (docProps/core.xml, ZIP entry times), so a committed copy could not be
// reproduced byte for byte, and building it here keeps the script working with the LibreOffice CI installs.
const templateDir = mkdtempSync(join(tmpdir(), 'sheetpipe-lo-template-'));
const template = join(templateDir, 'libreoffice.xlsx');
process.on('exit', () => rmSync(templateDir, { recursive: true, force: true }));
before(async () => {
  await run('/usr/bin/python3', [resolve(repoRoot, 'scripts/make-template-libreoffice.py'), template], { timeout: 300_000 });
});

/** The Data and Summary sheets after `rows` sales rows were filled in. */
function expectedSheets(rows: number): ExpectedSheet[] {
  const sales = expectedSales(rows);
  const last = rows + 1;
  const total = (column: 3 | 4): number => sales.reduce((sum, row) => sum + row[column], 0);
  return [
    { name: 'Data', rows: [['id', 'region', 'sold_on', 'quantity', 'amount'], ...sales.map(([id, region, sold, quantity, amount]) => [id, region, day(sold), quantity, amount])] },
    {
      name: 'Summary',
      rows: [
        ['Rows', { formula: `COUNT(Data!$A$2:$A$${last})`, value: rows }],
        ['Total amount', { formula: `SUM(Data!$E$2:$E$${last})`, value: total(4) }],
        ['Total quantity', { formula: `SUM(Data!$D$2:$D$${last})`, value: total(3) }],
        ['Amount (named range)', { formula: 'SUM(SalesAmount)', value: total(4) }],
        ['Largest amount', { formula: `MAX(Data!$E$2:$E$${last})`, value: Math.max(...sales.map((row) => row[4])) }],
      ],
    },
  ];
}

test('LibreOffice-built template (table, pivot table, chart, formulas on another sheet): 100,000 rows from PostgreSQL', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'libreoffice-filled.xlsx');
  await fillFromPostgres(t, template, 'table:Sales', salesQuery(ROWS), out);
  await timed(t, 'xlsx-xsd', () => assertSchemaValid(out));

  const sales = expectedSales(ROWS);
  const total = (column: 3 | 4, region?: string): number => sales.reduce((sum, row) => (region === undefined || row[1] === region ? sum + row[column] : sum), 0);
  const readers = ALL_READERS.replace(',gnumeric', '');
  const check = await timed(t, `xlsx-check ${readers}`, () => xlsxCheck(out, expectedSheets(ROWS), readers, ['--sheet', 'Data', '--sheet', 'Summary']));
  assert.equal(check.code, 0, check.output);

  const entries = storedEntries(out);
  const text = (name: string): string => entries.get(name)?.text() ?? '';
  assert.match(text('xl/tables/table1.xml'), / ref="A1:E100001" .*<autoFilter ref="A1:E100001">/);
  assert.match(text('xl/workbook.xml'), /name="SalesAmount" vbProcedure="false">Data!\$E\$2:\$E\$100001<\/definedName>/);
  const pivotCache = text('xl/pivotCache/pivotCacheDefinition1.xml');
  assert.match(pivotCache, /<worksheetSource ref="A1:E100001" sheet="Data"\/>/);
  assert.match(pivotCache, /refreshOnLoad="1"/);
  const chart = text('xl/charts/chart1.xml');
  assert.match(chart, /<c:val><c:numRef><c:f>Data!\$E\$2:\$E\$100001<\/c:f><\/c:numRef><\/c:val>/, 'the grown series lost its stale cache');
  assert.match(chart, /<c:strRef><c:f>Data!\$E\$1<\/c:f><c:strCache>/, 'the series title (the header cell) keeps its cache');
  assert.match(text('xl/worksheets/sheet3.xml'), /<f aca="false">SUM\(Data!\$E\$2:\$E\$100001\)<\/f><\/c>/);
  const changed = ['xl/worksheets/sheet1.xml', 'xl/worksheets/sheet3.xml', 'xl/tables/table1.xml', 'xl/workbook.xml', 'xl/charts/chart1.xml', 'xl/pivotCache/pivotCacheDefinition1.xml'];
  assertCopiedRaw(template, out, changed);

  const pages = await timed(t, 'LibreOffice → PDF, pdftotext', async () => pdfPages(await convertToPdf(out, dir)));
  // The Pivot sheet prints on one page: the pivot table (sums by region), and below it the chart of the amounts.
  const page = pageWith(pages, /Total Sum - amount/);
  for (const region of ['North', 'East & <West>', 'Süd']) {
    const sums = `${escapeRegExp(region)}\\s*\\n\\s*Sum - amount\\s+${escapeRegExp(printed(total(4, region), 2))}\\s*\\n\\s*Sum - quantity\\s+${total(3, region)}\\s*$`;
    assert.match(page, new RegExp(sums, 'm'), `pivot sums for ${region}`);
  }
  assert.match(page, new RegExp(`Total Sum - amount\\s+${escapeRegExp(printed(total(4), 2))}\\s*$`, 'm'));
  assert.match(page, new RegExp(`Total Sum - quantity\\s+${total(3)}\\s*$`, 'm'));
  // The template's amounts were 7.75…30 (axis up to 35); the new ones reach 249.75: the axis goes to 300.
  assert.match(page, /Amount per sale/);
  assert.match(page, /^\s*300\.00\s*$/m, 'the chart\'s value axis spans the new amounts');
});

test('Gnumeric reads a 10,000-row fill of the LibreOffice-built template (its time grows with the square of the rows)', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'libreoffice-10k.xlsx');
  const rows = 10_000;
  await fillFromPostgres(t, template, 'table:Sales', salesQuery(rows), out, rows);
  const check = await timed(t, 'xlsx-check gnumeric', () => xlsxCheck(out, expectedSheets(rows), 'gnumeric', ['--sheet', 'Data', '--sheet', 'Summary']));
  assert.equal(check.code, 0, check.output);
});
