import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../pipeline/fixtures.js';
import { xlsxCheck, type ExpectedCell } from '../helpers/xlsx-check.js';
import { ALL_READERS, escapeRegExp, fillFromPostgres, printed, reference, ROWS, timed } from './full-size.js';
import { assertCopiedRaw, assertSchemaValid, convertToPdf, day, pdfPages, storedEntries } from './helpers.js';

test('Excel\'s pivot-table sample: 100,000 rows from PostgreSQL into its table; both pivot tables in the PDF', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'pivot-filled.xlsx');
  const template = reference('ExcelPivotTableSample.xlsx');
  const query = `select (array['x','y','z'])[1 + g % 3] as f1, g as f2, date '2024-01-01' + g % 300 as f3 from generate_series(1, ${ROWS}) g`;
  await fillFromPostgres(t, template, 'table:Tabelle1', query, out);
  await timed(t, 'xlsx-xsd', () => assertSchemaValid(out));

  // The range A1:C4 beside the table stays in its rows, left of the new ones.
  const side: ExpectedCell[][] = [['a', 1, day('2022-01-01')], ['b', 2, day('2022-01-02')], ['c', 3, day('2022-01-03')]];
  const data: ExpectedCell[][] = Array.from({ length: ROWS }, (_, i) => {
    const g = i + 1;
    const sold = new Date(Date.UTC(2024, 0, 1 + (g % 300))).toISOString().slice(0, 10);
    return [...(side[i] ?? [null, null, null]), null, ['x', 'y', 'z'][g % 3] as string, g, day(sold)];
  });
  const expected = [{ name: 'Tabelle1', rows: [['Field1', 'Field2', 'Field3', null, 'Field1', 'Field2', 'Field3'], ...data] }];
  const check = await timed(t, `xlsx-check ${ALL_READERS}`, () => xlsxCheck(out, expected, ALL_READERS, ['--sheet', 'Tabelle1']));
  assert.equal(check.code, 0, check.output);

  const entries = storedEntries(out);
  assert.match(entries.get('xl/tables/table1.xml')?.text() ?? '', / ref="E1:G100001"/);
  const byTable = entries.get('xl/pivotCache/pivotCacheDefinition2.xml')?.text() ?? '';
  assert.match(byTable, /<worksheetSource name="Tabelle1"\/>/, 'the cache reads the table, whose ref covers the new rows');
  assert.match(byTable, /refreshOnLoad="1"/);
  assert.match(byTable, /invalid="1"/);
  const sheet = entries.get('xl/worksheets/sheet1.xml')?.text() ?? '';
  // (assert.ok: a failed match would print all 13 MB of the sheet)
  const keptRow = /<row r="2"><c r="A2" t="s"><v>3<\/v><\/c><c r="B2"><v>1<\/v><\/c><c r="C2" s="1"><v>44562<\/v><\/c><c r="E2" t="inlineStr"><is><t>y<\/t><\/is><\/c><c r="F2"><v>1<\/v><\/c>/;
  assert.ok(keptRow.test(sheet), 'the range left of the table is kept in its rows');
  // The first cache reads A1:C4, the range beside the table: not the data, so it is copied as it is.
  assertCopiedRaw(template, out, ['xl/worksheets/sheet1.xml', 'xl/tables/table1.xml', 'xl/workbook.xml', 'xl/pivotCache/pivotCacheDefinition2.xml']);

  const pages = await timed(t, 'LibreOffice → PDF, pdftotext', async () => pdfPages(await convertToPdf(out, dir)));
  const text = pages.join('\n');
  // Sums of f2 by f1 over g = 1…100,000: g % 3 = 0 → x, 1 → y, 2 → z. The template's cache held 11, 22, 33.
  const sums = { x: 0, y: 0, z: 0 };
  for (let g = 1; g <= ROWS; g++) sums[(['x', 'y', 'z'] as const)[g % 3] as 'x' | 'y' | 'z'] += g;
  for (const [key, sum] of Object.entries(sums)) {
    assert.match(text, new RegExp(`^${key}\\s+${escapeRegExp(printed(sum)).replaceAll(',', ',?')}\\s*$`, 'm'), `pivot row ${key} shows ${sum}`);
  }
  assert.match(text, new RegExp(`^Total Result\\s+${escapeRegExp(printed(sums.x + sums.y + sums.z)).replaceAll(',', ',?')}\\s*$`, 'm'));
  // The other pivot table reads the range beside the table, which the fill left as it was: a 1, c 3.
  assert.match(text, /^Total Result\s+1\s+3\s+4\s*$/m);
});
