import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { runReport } from '../../src/report/run-report.js';
import { assertReportDefinition } from '../../src/report/validate.js';
import type { ReportDefinition } from '../../src/report/types.js';
import { titleMergeXml, widenForTitle } from '../../src/xlsx/title-rows.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { xlsxXsd } from '../helpers/xlsx-xsd.js';
import { readAllEntries } from '../helpers/zip-read.js';

const run = promisify(execFile);

const DEFINITION: ReportDefinition = {
  params: { month: { type: 'string' } },
  sheets: [
    {
      name: 'Orders',
      title: ['Month-end — {month}', 'Generated {generatedAt}'],
      query: 'select id, amount, url from orders where month = :month order by id',
      table: { style: 'TableStyleLight9', totals: { amount: 'sum' } },
      columns: { amount: { format: { currency: 'EUR' }, conditional: [{ when: '< 0', font: { color: '#C00000' } }], dataBar: { color: '#5B9BD5' } }, url: { hyperlink: true } },
      print: { repeatHeader: true },
    },
    { name: 'Plain', title: 'Regions {month}', query: 'select distinct region from orders order by region', autoFilter: true },
  ],
};

test('title rows: merge XML spans the columns (one column or no title merges nothing), and a long title widens the shown columns', () => {
  assert.equal(titleMergeXml(2, 3), '<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A2:C2"/></mergeCells>');
  assert.equal(titleMergeXml(1, 1), '');
  assert.equal(titleMergeXml(0, 4), '');
  // Text in a merged cell is clipped at the merge's edge: the shown columns share what the title lacks.
  assert.deepEqual(widenForTitle([10, 10, 30], [false, false, true], 3, ['x'.repeat(40)]), [25, 25, 30]);
  assert.deepEqual(widenForTitle([10, undefined], [], 2, ['short', 'x'.repeat(30)]), [14, 12.43]);
  assert.deepEqual(widenForTitle([10, 10], [], 2, ['short']), [10, 10]);
  assert.deepEqual(widenForTitle([5], [], 1, ['x'.repeat(40)]), [5]);
  assert.doesNotThrow(() => assertReportDefinition({ sheets: [{ name: 'a', query: 'select 1', title: ['x', 'y'], titleStyle: { font: { size: 16 } } }] }));
  assert.throws(() => assertReportDefinition({ sheets: [{ name: 'a', query: 'select 1', title: 7 as unknown as string }] }), /sheets\[0\]\.title/);
});

test('title rows above a table: ranges, totals, freeze panes, print titles and the filter shift down; every reader, the schemas, openpyxl sees the merged cells', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-titles-'));
  const db = join(dir, 'shop.db');
  const sqlite = new Database(db);
  sqlite.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, month TEXT, region TEXT, amount REAL, url TEXT);
    INSERT INTO orders VALUES (1, '2024-01', 'North', 12.5, 'https://shop.test/o/1'), (2, '2024-01', 'South', -4, NULL), (3, '2024-02', 'West', 9, NULL);`);
  sqlite.close();
  const out = join(dir, 'titles.xlsx');
  await runReport({ source: `sqlite:${db}`, definition: DEFINITION, params: { month: '2024-01' }, out, deterministic: true, threads: 1 });

  const parts = readAllEntries(await readFile(out));
  const orders = parts.get('xl/worksheets/sheet1.xml')!;
  assert.match(orders, /<pane ySplit="3" topLeftCell="A4"/);
  assert.match(orders, /<\/sheetData><mergeCells count="2"><mergeCell ref="A1:C1"\/><mergeCell ref="A2:C2"\/><\/mergeCells><conditionalFormatting sqref="B4:B5">/);
  assert.match(parts.get('xl/tables/table1.xml')!, /ref="A3:C6"/);
  assert.match(parts.get('xl/workbook.xml')!, /'Orders'!\$3:\$3/);
  assert.match(parts.get('xl/worksheets/sheet2.xml')!, /<autoFilter ref="A2:A5"\/>/);

  const check = await xlsxCheck(out, [
    {
      name: 'Orders',
      rows: [
        ['Month-end — 2024-01', null, null],
        ['Generated 2000-01-01 00:00:00 UTC', null, null],
        ['id', 'amount', 'url'],
        [1, 12.5, { formula: 'HYPERLINK("https://shop.test/o/1")', value: 'https://shop.test/o/1' }],
        [2, -4, null],
        ['Total', { formula: 'SUBTOTAL(109,B4:B5)', value: 8.5 }, null],
      ],
    },
    { name: 'Plain', rows: [['Regions 2024-01'], ['region'], ['North'], ['South'], ['West']] },
  ]);
  assert.equal(check.code, 0, check.output);
  const xsd = await xlsxXsd(out);
  assert.equal(xsd.code, 0, xsd.output);

  const script = [
    'import openpyxl, sys, json',
    'wb = openpyxl.load_workbook(sys.argv[1])',
    'ws = wb["Orders"]',
    'cf = [str(r.sqref) for r in ws.conditional_formatting]',
    'print(json.dumps({"merged": sorted(str(r) for r in ws.merged_cells.ranges), "table": ws.tables["Table1"].ref, "cf": cf,',
    '  "freeze": ws.freeze_panes, "titles": str(ws.print_title_rows), "bold": ws["A1"].font.b, "size": ws["A1"].font.sz,',
    '  "filter": wb["Plain"].auto_filter.ref}))',
  ].join('\n');
  const { stdout } = await run('/usr/bin/python3', ['-c', script, out]);
  assert.deepEqual(JSON.parse(stdout), { merged: ['A1:C1', 'A2:C2'], table: 'A3:C6', cf: ['B4:B5'], freeze: 'A4', titles: '$3:$3', bold: true, size: 14, filter: 'A2:A5' });
});
