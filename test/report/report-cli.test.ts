import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { finished, startCli } from '../cli/run-cli.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import { xlsxCheck, type ExpectedSheet } from '../helpers/xlsx-check.js';
import { xlsxXsd } from '../helpers/xlsx-xsd.js';
import { PG_URL, pgAdmin, uniqueName } from '../sources/helpers.js';

function toCents(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 100) / 100;
  if (Array.isArray(value)) return value.map(toCents);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCents(v)]));
  return value;
}

const PARAMS = ['--param', 'from=2023-01-01', '--param', 'to=2023-03-01'];

async function cli(args: string[]): Promise<string> {
  const result = await finished(startCli(args), 120_000);
  assert.equal(result.code, 0, result.stderr);
  return result.stderr;
}

/** What every reader must see, taken from ExcelJS's reading (the values themselves are compared across databases). */
async function assertReadable(path: string, readers: string): Promise<ExpectedSheet[]> {
  const sheets = await readWithExcelJs(path);
  const check = await xlsxCheck(path, sheets, readers);
  assert.equal(check.code, 0, check.output);
  const xsd = await xlsxXsd(path);
  assert.equal(xsd.code, 0, xsd.output);
  return sheets;
}

test('sheetpipe export --report runs examples/month-end.yaml on the demo database and on PostgreSQL, with the same figures', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-cli-'));
  const db = join(dir, 'demo.db');
  await cli(['demo', '--rows', '3000', '--db', db, '--out', join(dir, 'demo.xlsx'), '--no-progress']);
  const fromSqlite = join(dir, 'month-end-sqlite.xlsx');
  const stderr = await cli(['export', '--report', 'examples/month-end.yaml', '--source', `sqlite:${db}`, ...PARAMS, '--out', fromSqlite, '--source-name', 'demo', '--deterministic']);
  assert.match(stderr, /sheet Summary: \d+ rows\nsheet Orders: \d+ rows\nexported report, 2 sheets/);
  const sqliteSheets = await assertReadable(fromSqlite, 'zip,openpyxl,libreoffice,gnumeric,xlsx2csv');
  assert.deepEqual(sqliteSheets.map((sheet) => sheet.name), ['Summary', 'Orders', 'About']);

  // The same rows in PostgreSQL (typed columns: timestamp, numeric), found through the connection's search_path.
  const admin = await pgAdmin();
  const schema = uniqueName('reports_cli');
  try {
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.orders (id integer primary key, order_number text, customer_name text, customer_email text,
      country text, amount numeric(12,2), currency text, status text, ordered_at timestamp)`);
    const rows = new Database(db, { readonly: true })
      .prepare('select id, order_number, customer_name, customer_email, country, amount, currency, status, ordered_at from orders')
      .raw(true)
      .all() as unknown[][];
    const columns = rows[0]!.map((_, c) => rows.map((row) => row[c]));
    await admin.query(
      `INSERT INTO ${schema}.orders SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::text[], $9::timestamp[])`,
      columns,
    );
    const fromPostgres = join(dir, 'month-end-postgres.xlsx');
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    await cli(['export', '--report', 'examples/month-end.yaml', '--source', url, ...PARAMS, '--out', fromPostgres, '--source-name', 'demo', '--deterministic']);
    const pgSheets = await assertReadable(fromPostgres, 'zip,openpyxl');
    // Same summary, details and About sheet (same name, parameters, fixed time); SQLite sums binary doubles where
    // PostgreSQL sums exact decimals, so amounts are compared to the cent.
    assert.deepEqual(toCents(pgSheets), toCents(sqliteSheets));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});

test('sheetpipe export --report: a bad report file is a usage error naming the key path, and nothing is written, even for a column only the database knows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-cli-bad-'));
  const file = join(dir, 'bad.yaml');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, 'sheets:\n  - name: Orders\n    query: select 1 as amount\n    columns:\n      amount: { format: { currency: EURO } }\n');
  const result = await finished(startCli(['export', '--report', file, '--source', 'sqlite:/nonexistent.db', '--out', join(dir, 'x.xlsx')]));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /sheets\[0\]\.columns\.amount\.format: unknown currency "EURO"/);
  // A column the second sheet's query does not return: refused from the describe step, before the first sheet's
  // query (which fails when executed) runs and before the output exists.
  const db = join(dir, 'shop.db');
  new Database(db).close();
  await writeFile(file, 'sheets:\n  - name: First\n    query: select abs(-9223372036854775808) as boom\n  - name: Orders\n    query: select 1 as amount\n    columns:\n      amont: { hidden: true }\n');
  const unknown = await finished(startCli(['export', '--report', file, '--source', `sqlite:${db}`, '--out', join(dir, 'x.xlsx')]));
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /sheets\[1\]\.columns\.amont: the query returns no column "amont" \(it returns amount\)/);
  assert.deepEqual((await readdir(dir)).sort(), ['bad.yaml', 'shop.db']);
});
