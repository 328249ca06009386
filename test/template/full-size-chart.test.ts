import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../pipeline/fixtures.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { ALL_READERS, fillFromPostgres, pageWith, reference, ROWS, timed } from './full-size.js';
import { assertCopiedRaw, assertSchemaValid, convertToPdf, pdfPages, storedEntries } from './helpers.js';

test('WithChart.xlsx: 100,000 rows from PostgreSQL below Sheet1!A1; the chart on the next sheet draws them', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'chart-filled.xlsx');
  const template = reference('WithChart.xlsx');
  await fillFromPostgres(t, template, 'sheet:Sheet1!A1', `select g as first, g * 2 as second from generate_series(1, ${ROWS}) g`, out);
  await timed(t, 'xlsx-xsd', () => assertSchemaValid(out));

  const expected = [{ name: 'Sheet1', rows: Array.from({ length: ROWS }, (_, i) => [i + 1, (i + 1) * 2]) }];
  const check = await timed(t, `xlsx-check ${ALL_READERS}`, () => xlsxCheck(out, expected, ALL_READERS, ['--sheet', 'Sheet1']));
  assert.equal(check.code, 0, check.output);

  const chart = storedEntries(out).get('xl/charts/chart1.xml')?.text() ?? '';
  assert.match(chart, /<c:val><c:numRef><c:f>Sheet1!\$A\$1:\$A\$100000<\/c:f><\/c:numRef><\/c:val>/);
  assert.match(chart, /<c:val><c:numRef><c:f>Sheet1!\$B\$1:\$B\$100000<\/c:f><\/c:numRef><\/c:val>/);
  assert.doesNotMatch(chart, /numCache/, 'no stale cached points are left');
  const before = storedEntries(template).get('xl/charts/chart1.xml')?.text() ?? '';
  assert.equal(chart, before.replace(/<c:numCache>.*?<\/c:numCache>/g, '').replaceAll('$A$6', '$A$100000').replaceAll('$B$6', '$B$100000'), 'the rest of the chart is the template\'s');
  assertCopiedRaw(template, out, ['xl/worksheets/sheet1.xml', 'xl/workbook.xml', 'xl/charts/chart1.xml']);

  const pages = await timed(t, 'LibreOffice → PDF, pdftotext', async () => pdfPages(await convertToPdf(out, dir)));
  // The template's values were 1…17; the new second column reaches 200,000, and the value axis follows it.
  // (The page's data cells print as `id value` pairs, so a value alone on its line is an axis label.)
  const page = pageWith(pages, /^\s*200000\s*$/m);
  assert.match(page, /^\s*250000\s*$/m);
  assert.match(page, /1st Column\s*\n\s*2nd Column/, 'the page is the chart\'s (its legend)');
});
