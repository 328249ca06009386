import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { packageVersion } from '../../src/cli/version.js';
import { wallClockText } from '../../src/report/about-sheet.js';
import { fillTemplate, resolveParams } from '../../src/report/params.js';
import { runReport } from '../../src/report/run-report.js';
import type { ReportDefinition } from '../../src/report/types.js';
import { repoRoot, xlsxCheck } from '../helpers/xlsx-check.js';
import { xlsxXsd } from '../helpers/xlsx-xsd.js';
import { readAllEntries } from '../helpers/zip-read.js';

const isInvalid = (path: RegExp) => (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_REPORT_INVALID' && path.test(error.message);

test('parameters: typed from strings, defaults, and refusals that name the parameter', () => {
  const definition: ReportDefinition = {
    params: { month: { type: 'date' }, limit: { type: 'integer', default: 10 }, eu: { type: 'boolean', default: false } },
    sheets: [{ name: 'x', query: 'select 1' }],
  };
  assert.deepEqual(resolveParams(definition, { month: '2024-01-31', eu: 'true' }), { month: '2024-01-31', limit: 10, eu: true });
  assert.throws(() => resolveParams(definition, {}), isInvalid(/^invalid report definition: params\.month: no value given/));
  assert.throws(() => resolveParams(definition, { month: '2024-13' }), isInvalid(/params\.month: expected a date/));
  assert.throws(() => resolveParams(definition, { month: '2024-01-31', limit: '1.5' }), isInvalid(/params\.limit: expected a whole number/));
  assert.throws(() => resolveParams(definition, { month: '2024-01-31', region: 'x' }), isInvalid(/params\.region: the report declares no such parameter/));
  assert.equal(fillTemplate('Month-end — {month} {unknown}', { month: '2024-01' }), 'Month-end — 2024-01 {unknown}');
  assert.equal(wallClockText(new Date(Date.UTC(2024, 0, 31, 23, 30)), 'Europe/Berlin'), '2024-02-01 00:30:00 Europe/Berlin');
});

async function shopDb(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-about-')), 'shop.db');
  const db = new Database(path);
  db.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, month TEXT, region TEXT, amount REAL, url TEXT, internal TEXT);
    INSERT INTO orders VALUES (1, '2024-01', 'North', 120.5, 'https://shop.test/o/1', 'a'), (2, '2024-01', 'South', -20, 'https://shop.test/o/2', 'b'),
      (3, '2024-01', 'North', 80, NULL, 'c'), (4, '2024-02', 'West', 5, 'https://shop.test/o/4', 'd');`);
  db.close();
  return path;
}

const MONTH_END: ReportDefinition = {
  title: 'Month-end — {month}',
  description: 'Orders by region',
  params: { month: { type: 'string' } },
  about: true,
  sheets: [
    {
      name: 'Summary',
      query: 'SELECT region, count(*) AS orders, sum(amount) AS total FROM orders WHERE month = :month GROUP BY region ORDER BY region',
      table: { style: 'TableStyleMedium2', totals: { orders: 'sum', total: 'sum' } },
      columns: { region: { header: 'Region' }, total: { header: 'Total (EUR)', format: { currency: 'EUR' }, conditional: [{ when: '< 0', font: { color: '#C00000' } }] } },
    },
    {
      name: 'Orders',
      query: 'SELECT id, region, amount, url, internal FROM orders WHERE month = :month ORDER BY id',
      table: { style: 'TableStyleLight9' },
      columns: { amount: { format: { currency: 'EUR' }, dataBar: { color: '#5B9BD5' } }, url: { hyperlink: true }, internal: { hidden: true } },
      print: { orientation: 'landscape', fitToWidth: 1, repeatHeader: true },
    },
  ],
};

test('a month-end report: table with totals, currency, red negatives, data bar, links, About sheet; every reader and the schemas', async () => {
  const db = await shopDb();
  const out = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-about-out-')), 'month.xlsx');
  const result = await runReport({
    source: `sqlite:${db}`,
    definition: MONTH_END,
    params: { month: '2024-01' },
    out,
    deterministic: true,
    threads: 1,
    sourceName: 'shop',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    timeZone: 'Europe/Berlin',
  });
  assert.deepEqual(result.sheets, [
    { name: 'Summary', rows: 2 },
    { name: 'Orders', rows: 3 },
  ]);
  const link = (url: string): { formula: string; value: string } => ({ formula: `HYPERLINK("${url}")`, value: url });
  const check = await xlsxCheck(out, [
    {
      name: 'Summary',
      rows: [
        ['Region', 'orders', 'Total (EUR)'],
        ['North', 2, 200.5],
        ['South', 1, -20],
        ['Total', { formula: 'SUBTOTAL(109,B2:B3)', value: 3 }, { formula: 'SUBTOTAL(109,C2:C3)', value: 180.5 }],
      ],
    },
    {
      name: 'Orders',
      rows: [
        ['id', 'region', 'amount', 'url', 'internal'],
        [1, 'North', 120.5, link('https://shop.test/o/1'), 'a'],
        [2, 'South', -20, link('https://shop.test/o/2'), 'b'],
        [3, 'North', 80, null, 'c'],
      ],
    },
    {
      name: 'About',
      rows: [
        ['Item', 'Value'],
        ['Report', 'Month-end — 2024-01'],
        ['Description', 'Orders by region'],
        ['Parameter month', '2024-01'],
        ['Generated at', '2000-01-01 01:00:00 Europe/Berlin'],
        ['Source', 'shop'],
        ['Rows in Summary', 2],
        ['Rows in Orders', 3],
        ['sheetpipe version', packageVersion()],
        ['Trace id', '4bf92f3577b34da6a3ce929d0e0e4736'],
      ],
    },
  ]);
  assert.equal(check.code, 0, check.output);
  const xsd = await xlsxXsd(out);
  assert.equal(xsd.code, 0, xsd.output);
  assert.doesNotMatch(readAllEntries(await readFile(out)).get('xl/worksheets/sheet3.xml')!, /sqlite:|\/tmp\//, 'the About sheet never names the source URL');
});

test('golden file report-month-end.xlsx: a small styled report is byte-identical to the checked-in one', async () => {
  const db = await shopDb();
  const out = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-golden-')), 'report.xlsx');
  // Without the About sheet: it names the package version, which changes with every release.
  await runReport({ source: `sqlite:${db}`, definition: { ...MONTH_END, about: false }, params: { month: '2024-01' }, out, deterministic: true, threads: 2 });
  const actual = await readFile(out);
  const goldenPath = resolve(repoRoot, 'test/fixtures/golden/report-month-end.xlsx');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenPath)) {
    assert.notEqual(process.env.CI, 'true', `golden file ${goldenPath} is missing; run UPDATE_GOLDEN=1 locally`);
    await mkdir(resolve(repoRoot, 'test/fixtures/golden'), { recursive: true });
    await writeFile(goldenPath, actual);
  }
  const golden = readAllEntries(await readFile(goldenPath));
  const parts = readAllEntries(actual);
  assert.deepEqual([...parts.keys()], [...golden.keys()], 'entry list');
  for (const [name, xml] of golden) assert.equal(parts.get(name), xml, `part ${name}`);
});
