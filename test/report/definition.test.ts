import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseReport } from '../../src/report/load.js';
import { runReport } from '../../src/report/run-report.js';
import { REPORT_SCHEMA_URL } from '../../src/report/schema.js';
import { CURRENCY_CODES } from '../../src/xlsx/currency.js';
import { TOTALS_FUNCTIONS } from '../../src/xlsx/totals.js';

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

test('rules and totals that need numbers are refused on text columns, and unknown columns are named, before any row is written', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'sheetpipe-reports-definition-')), 'shop.db');
  const db = new Database(path);
  db.exec("CREATE TABLE orders (id INTEGER, region TEXT, amount REAL); INSERT INTO orders VALUES (1, 'North', 5)");
  db.close();
  const out = join(tmpdir(), `sheetpipe-reports-never-${process.pid}.xlsx`);
  const attempt = (yaml: string): Promise<unknown> => runReport({ source: `sqlite:${path}`, definition: parseReport(yaml), out });
  const invalid = (pattern: RegExp) => (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_REPORT_INVALID' && pattern.test(error.message);
  const sheet = 'sheets:\n  - name: Orders\n    query: select id, region, amount from orders\n';
  await assert.rejects(attempt(`${sheet}    columns:\n      region: { conditional: [ { when: "< 0", font: { color: "#C00000" } } ] }`), invalid(/sheets\[0\]\.columns\.region\.conditional\[0\]: this rule compares numbers, but column "region" holds text values/));
  await assert.rejects(attempt(`${sheet}    table: { totals: { region: sum } }`), invalid(/sheets\[0\]\.table\.totals\.region: sum needs numbers/));
  await assert.rejects(attempt(`${sheet}    columns:\n      amout: { hidden: true }`), invalid(/sheets\[0\]\.columns\.amout: the query returns no column "amout" \(it returns id, region, amount\)/));
  // `contains` on text and `count` of text are fine.
  const ok = await runReport({
    source: `sqlite:${path}`,
    definition: parseReport(`${sheet}    table: { totals: { region: count } }\n    columns:\n      region: { conditional: [ { when: "contains Nor", fill: "#FFF2CC" } ] }`),
    out,
  });
  assert.equal(ok.rows, 1);
});
