import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runExport } from '../../src/pipeline/index.js';
import { growFormula, type DataArea } from '../../src/template/ranges.js';
import { tempDir } from '../pipeline/fixtures.js';
import { repoRoot, xlsxCheck, type ExpectedCell } from '../helpers/xlsx-check.js';
import { fixture, PG_URL, salesQuery, storedEntries, summarySheet } from './helpers.js';

const run = promisify(execFile);
const reference = (name: string): string => resolve(repoRoot, '../shared/excel-reference', name);
const xsdPath = process.env.XLSX_XSD ?? resolve(repoRoot, '../shared/tools/xlsx-xsd');

/** Excel's pivot sample, its table filled with `rows` rows from PostgreSQL: f1 = x, y, z by g % 3; f2 = g; f3 a date. */
async function fillPivotSample(out: string, rows: number): Promise<void> {
  const query = `select (array['x','y','z'])[1 + g % 3] as f1, g as f2, date '2024-01-01' + g % 300 as f3 from generate_series(1, ${rows}) g`;
  await runExport({ source: PG_URL, query, out, template: { file: reference('ExcelPivotTableSample.xlsx'), into: 'table:Tabelle1' }, threads: 2 });
}

test('ranges grow only where they covered the old data, on the target sheet', () => {
  const area: DataArea = { firstRow: 4, oldLastRow: 5, firstColumn: 0, lastColumn: 4 };
  const grow = (formula: string, unqualified = false): string => growFormula(formula, 'Data', area, 100, unqualified);
  assert.equal(grow('SUM(Data!$D$4:$D$5)'), 'SUM(Data!$D$4:$D$100)');
  assert.equal(grow("'Data'!$A$3:$E$5"), "'Data'!$A$3:$E$100", 'a range with its header grows');
  assert.equal(grow('SUM(Other!$D$4:$D$5)'), 'SUM(Other!$D$4:$D$5)', 'another sheet is left alone');
  assert.equal(grow('SUM(D4:D5)'), 'SUM(D4:D5)', 'unqualified ranges belong to the formula\'s own sheet');
  assert.equal(grow('SUM(D4:D5)', true), 'SUM(D4:D100)');
  assert.equal(grow('SUM(Data!$D$4:$D$4)'), 'SUM(Data!$D$4:$D$4)', 'a range that stops inside the data is left alone');
  assert.equal(grow('SUM(Data!$G$4:$H$5)'), 'SUM(Data!$G$4:$H$5)', 'a range beside the data is left alone');
  assert.equal(grow('"Data!D4:D5"&SUM(Data!D4:D5)'), '"Data!D4:D5"&SUM(Data!D4:D100)', 'string literals are not formulas');
});

test('Excel\'s pivot-table sample: the table fills, cells beside it stay, both pivot caches follow the data', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'pivot.xlsx');
  const rows = 2_000;
  await fillPivotSample(out, rows);
  const { stdout } = await run(xsdPath, [out], { maxBuffer: 16 * 1024 * 1024 });
  assert.match(stdout, / 0 invalid/, stdout);
  const entries = storedEntries(out);
  assert.match(entries.get('xl/tables/table1.xml')?.text() ?? '', / ref="E1:G2001"/);
  const byTable = entries.get('xl/pivotCache/pivotCacheDefinition2.xml')?.text() ?? '';
  assert.match(byTable, /refreshOnLoad="1"/);
  assert.match(byTable, /invalid="1"/);
  // The first cache reads A1:C4, the range beside the table: not the data, so it is copied as it is.
  const before = storedEntries(reference('ExcelPivotTableSample.xlsx'));
  assert.ok(entries.get('xl/pivotCache/pivotCacheDefinition1.xml')?.stored.equals(before.get('xl/pivotCache/pivotCacheDefinition1.xml')?.stored ?? Buffer.alloc(0)));
  const sheet = entries.get('xl/worksheets/sheet1.xml')?.text() ?? '';
  assert.match(sheet, /<row r="2"><c r="A2" t="s"><v>3<\/v><\/c><c r="B2"><v>1<\/v><\/c><c r="C2" s="1"><v>44562<\/v><\/c><c r="E2" t="inlineStr"><is><t>y<\/t><\/is><\/c><c r="F2"><v>1<\/v><\/c>/, 'the range left of the table is kept in its rows');
  const side: ExpectedCell[][] = [['a', 1, { date: '2022-01-01T00:00:00' }], ['b', 2, { date: '2022-01-02T00:00:00' }], ['c', 3, { date: '2022-01-03T00:00:00' }]];
  const data: ExpectedCell[][] = Array.from({ length: rows }, (_, i) => {
    const g = i + 1;
    const day = new Date(Date.UTC(2024, 0, 1 + (g % 300))).toISOString().slice(0, 10);
    return [...(side[i] ?? [null, null, null]), null, ['x', 'y', 'z'][g % 3] as string, g, { date: `${day}T00:00:00` }];
  });
  const expected = [{ name: 'Tabelle1', rows: [['Field1', 'Field2', 'Field3', null, 'Field1', 'Field2', 'Field3'], ...data] }];
  const check = await xlsxCheck(out, expected, 'zip,openpyxl,libreoffice', ['--sheet', 'Tabelle1']);
  assert.equal(check.code, 0, check.output);
});

test('WithChart.xlsx: a sheet target over the chart\'s range grows its series', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'chart.xlsx');
  const rows = 1_000;
  const query = `select 'item ' || g as label, g * 2 as value from generate_series(1, ${rows}) g`;
  await runExport({ source: PG_URL, query, out, template: { file: reference('WithChart.xlsx'), into: 'sheet:Sheet1!A1' }, threads: 2 });
  const { stdout } = await run(xsdPath, [out], { maxBuffer: 16 * 1024 * 1024 });
  assert.match(stdout, / 0 invalid/, stdout);
  const chart = storedEntries(out).get('xl/charts/chart1.xml')?.text() ?? '';
  assert.match(chart, /<c:f>Sheet1!\$A\$1:\$A\$1000<\/c:f>/);
  assert.match(chart, /<c:f>Sheet1!\$B\$1:\$B\$1000<\/c:f>/);
});

test('LibreOffice, opening the filled pivot sample, computes its pivot table from the new rows (PDF text)', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'pivot.xlsx');
  const rows = 2_000;
  await fillPivotSample(out, rows);
  // Its own profile: a LibreOffice already running with the default one would take the job and ignore --outdir.
  await run('soffice', ['--headless', `-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--convert-to', 'pdf', '--outdir', dir, out], { timeout: 300_000 });
  const { stdout: text } = await run('pdftotext', ['-layout', join(dir, 'pivot.pdf'), '-'], { maxBuffer: 64 * 1024 * 1024 });
  // Sums of f2 by f1 over g = 1…2000: g % 3 = 0 → x, 1 → y, 2 → z. The template's cache held 11, 22, 33.
  const sums = { x: 666_333, y: 667_000, z: 667_667 };
  for (const [key, sum] of Object.entries(sums)) {
    assert.match(text, new RegExp(`^${key}\\s+${sum.toLocaleString('en-US').replace(',', ',?')}\\s*$`, 'm'), `pivot row ${key} shows ${sum}`);
  }
  assert.match(text, /^Total Result\s+2,?001,?000\s*$/m);
  // The other pivot table reads the range beside the table, which the fill left as it was: a 1, c 3.
  assert.match(text, /^Total Result\s+1\s+3\s+4\s*$/m);
});

test('a template saved by LibreOffice (cached formula results present) fills, and LibreOffice recomputes the formulas', async (t) => {
  const dir = tempDir(t);
  // The fixture, opened and saved by LibreOffice itself: its own writer's XML, shared strings and cached results.
  await run('soffice', ['--headless', `-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', join(dir, 'lo'), fixture('template.xlsx')], { timeout: 300_000 });
  const template = join(dir, 'lo', 'template.xlsx');
  const out = join(dir, 'filled.xlsx');
  const rows = 5_000;
  await runExport({ source: PG_URL, query: salesQuery(rows), out, template: { file: template, into: 'table:Sales' }, threads: 2 });
  const { stdout } = await run(xsdPath, [out], { maxBuffer: 16 * 1024 * 1024 });
  assert.match(stdout, / 0 invalid/, stdout);
  const summary = summarySheet(rows);
  // LibreOffice wrote the old results into the template; the values it shows now must be the new ones.
  const check = await xlsxCheck(out, [summary], 'libreoffice', ['--sheet', 'Summary']);
  assert.equal(check.code, 0, check.output);
});
