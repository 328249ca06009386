import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseReport } from '../../src/report/load.js';
import { runReport } from '../../src/report/run-report.js';
import { openSource } from '../../src/sources/index.js';
import type { Source } from '../../src/sources/types.js';
import { REPORT_SCHEMA_URL } from '../../src/report/schema.js';
import { CURRENCY_CODES } from '../../src/xlsx/currency.js';
import { TOTALS_FUNCTIONS } from '../../src/xlsx/totals.js';
import { MYSQL_URL, PG_URL, mysqlAdmin, pgAdmin, uniqueName } from '../sources/helpers.js';

function refusal(text: string): string {
  try {
    parseReport(text);
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'SHEETPIPE_ERR_REPORT_INVALID');
    return (error as Error).message.replace(/^invalid report definition: /, '');
  }
  assert.fail('the definition was accepted');
}

const SHEETS = (extra: string): string => `sheets:\n  - name: Summary\n    query: select 1 as a\n  - name: Orders\n    query: select 2 as amount\n${extra}`;

test('bad definitions are refused before anything runs, naming the key path', () => {
  assert.equal(refusal(SHEETS('    columns:\n      amount: { format: { currency: EURO } }')), 'sheets[1].columns.amount.format: unknown currency "EURO"');
  assert.equal(refusal(SHEETS('    table: { style: TableStyleMedium99 }')), 'sheets[1].table.style: "TableStyleMedium99" is not valid here (expected a built-in table style: TableStyleLight1…21, TableStyleMedium1…28, TableStyleDark1…11)');
  assert.equal(refusal(SHEETS('    columns:\n      amount: { widht: 10 }')), 'sheets[1].columns.amount.widht: unknown key');
  assert.equal(refusal(SHEETS('    table: { totals: { amount: median } }')), 'sheets[1].table.totals.amount: "median" is not one of "sum", "average", "count", "min", "max"');
  assert.match(refusal(SHEETS('    columns:\n      amount: { conditional: [ { when: "is red", fill: "#FF0000" } ] }')), /^sheets\[1\]\.columns\.amount\.conditional\[0\]\.when: "is red" is not valid here/);
  assert.match(refusal('sheets:\n  - name: Orders\n    query: select 1\n  - name: orders\n    query: select 2\n'), /^sheets\[1\]\.name: sheet name "orders" is already used/);
  assert.match(refusal('about: true\nsheets:\n  - name: About\n    query: select 1\n'), /^sheets\[0\]\.name: sheet name "About" is already used/);
  assert.equal(refusal('sheets: []'), 'sheets: must NOT have fewer than 1 items');
  assert.match(refusal('sheets: [ { name: x, query: y } ]\nsheets: []'), /^not valid YAML or JSON: Map keys must be unique/);
  // JSON is YAML too.
  assert.equal(parseReport('{"sheets": [{"name": "x", "query": "select 1"}]}').sheets.length, 1);
});

test('the shipped schema lists exactly the currencies and totals functions the engine knows', () => {
  const schema = JSON.parse(readFileSync(REPORT_SCHEMA_URL, 'utf8')) as {
    $defs: { format: { oneOf: { properties?: { currency?: { enum: string[] } } }[] }; table: { properties: { totals: { additionalProperties: { enum: string[] } } } } };
  };
  assert.deepEqual(schema.$defs.format.oneOf[2]?.properties?.currency?.enum, [...CURRENCY_CODES]);
  assert.deepEqual([...schema.$defs.table.properties.totals.additionalProperties.enum].sort(), [...TOTALS_FUNCTIONS].sort());
});

/** Each database, with a first-sheet query that parses and prepares but fails when executed. */
const DATABASES = [
  { name: 'SQLite', boom: 'select abs(-9223372036854775808) as boom' },
  { name: 'PostgreSQL', boom: 'select 1/0 as boom' },
  { name: 'MariaDB', boom: 'select (select 1 union all select 2) as boom' },
] as const;

/** Runs statements on the PostgreSQL or MariaDB test database. */
async function onServer(database: 'PostgreSQL' | 'MariaDB', statements: readonly string[]): Promise<void> {
  if (database === 'PostgreSQL') {
    const admin = await pgAdmin();
    for (const sql of statements) await admin.query(sql);
    await admin.end();
  } else {
    const admin = await mysqlAdmin();
    for (const sql of statements) await admin.query(sql);
    await admin.end();
  }
}

/** An `orders (id, region, amount)` table with one row on `database`, and how to drop it. */
async function ordersTable(database: (typeof DATABASES)[number]['name']): Promise<{ source: string; table: string; drop: () => Promise<void> }> {
  const table = uniqueName('describe_orders');
  const setup = [`CREATE TABLE ${table} (id INTEGER, region VARCHAR(20), amount DECIMAL(12,2))`, `INSERT INTO ${table} VALUES (1, 'North', 5)`];
  if (database === 'SQLite') {
    const path = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-definition-')), 'shop.db');
    const db = new Database(path);
    for (const sql of setup) db.exec(sql);
    db.close();
    return { source: `sqlite:${path}`, table, drop: async () => {} };
  }
  await onServer(database, setup);
  return { source: database === 'PostgreSQL' ? PG_URL : MYSQL_URL.replace('mysql:', 'mariadb:'), table, drop: () => onServer(database, [`DROP TABLE ${table}`]) };
}

for (const database of DATABASES) {
  test(`${database.name}: unknown columns, and rules and totals that need numbers on text columns, are refused before the first sheet's query runs`, async () => {
    const { source, table, drop } = await ordersTable(database.name);
    try {
      const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-never-'));
      const out = join(dir, 'report.xlsx');
      // The first sheet's query fails if it is ever executed; the mistake is on the second sheet.
      const twoSheets = (extra: string): string => `sheets:\n  - name: First\n    query: ${database.boom}\n  - name: Orders\n    query: select id, region, amount from ${table}\n${extra}`;
      const attempt = (yaml: string): Promise<unknown> => runReport({ source, definition: parseReport(yaml), out });
      const refused = (pattern: RegExp) => (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SHEETPIPE_ERR_REPORT_INVALID', String(error));
        assert.match(error.message, pattern);
        assert.deepEqual(readdirSync(dir), [], 'no output file, not even a temporary one');
        return true;
      };
      await assert.rejects(attempt(twoSheets(`    columns:\n      region: { conditional: [ { when: "< 0", font: { color: "#C00000" } } ] }`)), refused(/sheets\[1\]\.columns\.region\.conditional\[0\]: this rule compares numbers, but column "region" holds text values/));
      await assert.rejects(attempt(twoSheets('    columns:\n      region: { dataBar: { color: "#5B9BD5" } }')), refused(/sheets\[1\]\.columns\.region\.dataBar: this rule compares numbers/));
      await assert.rejects(attempt(twoSheets('    columns:\n      region: { conditional: [ { when: "contains N", fill: "#FFF2CC" }, { colorScale: ["#FFFFFF", "#FF0000"] } ] }')), refused(/sheets\[1\]\.columns\.region\.conditional\[1\]: this rule compares numbers/));
      await assert.rejects(attempt(twoSheets('    table: { totals: { region: sum } }')), refused(/sheets\[1\]\.table\.totals\.region: sum needs numbers \(count works on any column\), but column "region" holds text values/));
      await assert.rejects(attempt(twoSheets('    columns:\n      amont: { hidden: true }')), refused(/sheets\[1\]\.columns\.amont: the query returns no column "amont" \(it returns id, region, amount\)/));
      // The control: with a sound second sheet the first sheet's query runs, and fails.
      await assert.rejects(attempt(twoSheets('    table: { totals: { amount: sum } }')), (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_SOURCE_QUERY');
      // `contains` on text and `count` of text are fine.
      const ok = await runReport({
        source,
        definition: parseReport(`sheets:\n  - name: Orders\n    query: select id, region, amount from ${table}\n    table: { totals: { region: count, amount: sum } }\n    columns:\n      region: { conditional: [ { when: "contains Nor", fill: "#FFF2CC" } ] }`),
        out,
      });
      assert.equal(ok.rows, 1);
    } finally {
      await drop();
    }
  });
}

test('a source without describe (one from outside sheetpipe) has each sheet\'s columns checked when its query starts', async () => {
  const { source: url, table } = await ordersTable('SQLite');
  const sqlite = await openSource(url);
  const custom: Source = { kind: 'custom', query: (request) => sqlite.query(request), close: async () => {} };
  const out = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-custom-')), 'report.xlsx');
  try {
    const sheets = `sheets:\n  - name: Orders\n    query: select id, region, amount from ${table}\n    table: { totals: { region: average } }\n`;
    await assert.rejects(runReport({ source: custom, definition: parseReport(sheets), out }), (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_REPORT_INVALID' && /^invalid report definition: sheets\[0\]\.table\.totals\.region: average needs numbers/.test(error.message));
    assert.equal(existsSync(out), false);
  } finally {
    await sqlite.close();
  }
});
