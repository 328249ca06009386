import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runExport } from '../../src/pipeline/index.js';
import { fillTemplate } from '../../src/index.js';
import { growFormula, type DataArea } from '../../src/template/ranges.js';
import { tempDir } from '../pipeline/fixtures.js';
import { repoRoot, xlsxCheck } from '../helpers/xlsx-check.js';
import { assertSchemaValid, fixture, PG_URL, salesQuery, storedEntries, summarySheet } from './helpers.js';

const run = promisify(execFile);

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

test('a template saved by LibreOffice (cached formula results present) fills, and LibreOffice recomputes the formulas', async (t) => {
  const dir = tempDir(t);
  // The fixture, opened and saved by LibreOffice itself: its own writer's XML, shared strings and cached results.
  await run('soffice', ['--headless', `-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', join(dir, 'lo'), fixture('template.xlsx')], { timeout: 300_000 });
  const template = join(dir, 'lo', 'template.xlsx');
  const out = join(dir, 'filled.xlsx');
  const rows = 5_000;
  await runExport({ source: PG_URL, query: salesQuery(rows), out, template: { file: template, into: 'table:Sales' }, threads: 2 });
  await assertSchemaValid(out);
  const summary = summarySheet(rows);
  // LibreOffice wrote the old results into the template; the values it shows now must be the new ones.
  const check = await xlsxCheck(out, [summary], 'libreoffice', ['--sheet', 'Summary']);
  assert.equal(check.code, 0, check.output);
});

test('a chart series that grows loses its stale value cache; the rest of the chart part is the template\'s', async (t) => {
  const out = join(tempDir(t), 'chart.xlsx');
  const template = resolve(repoRoot, '../shared/excel-reference/WithChart.xlsx');
  const rows = Array.from({ length: 10 }, (_, i) => [i + 1, (i + 1) * 2]);
  await fillTemplate({ template, into: 'sheet:Sheet1!A1', out, rows, threads: 1 });
  await assertSchemaValid(out);
  const before = storedEntries(template).get('xl/charts/chart1.xml')?.text() ?? '';
  assert.match(before, /<c:f>Sheet1!\$A\$1:\$A\$6<\/c:f><c:numCache>/, 'the template\'s series carry caches of its six rows');
  const after = storedEntries(out).get('xl/charts/chart1.xml')?.text() ?? '';
  const expected = before.replace(/<c:numCache>.*?<\/c:numCache>/g, '').replaceAll('$A$6', '$A$10').replaceAll('$B$6', '$B$10');
  assert.equal(after, expected);
});
