// Data fidelity through the CLI, the way a user exports: doubles stay numbers at the edges of their range, exact
// integers and decimals beyond 2^53 keep their digits as text, on real PostgreSQL, MariaDB and SQLite; every reader
// sees the same values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import { xlsxCheck, type ExpectedCell } from '../helpers/xlsx-check.js';
import { mysqlAdmin, MYSQL_URL, pgAdmin, PG_URL, tempDir, uniqueName } from '../sources/helpers.js';
import { finished, startCli } from './run-cli.js';

const run = promisify(execFile);
const { dir, cleanup } = tempDir();
const pgTable = uniqueName('fidelity');
const myTable = uniqueName('fidelity');
const sqlitePath = join(dir, 'fidelity.db');

/** id, a double, an exact integer, an exact decimal: each database's spelling of the same rows. */
const DOUBLES = ['1e308', '-1e308', '5e-324', '9007199254740994', '1e16', '0.30000000000000004', '-0', '1e300', '-2.5e-300', '123456.789'];
const EXACT_INTEGERS = ['9007199254740993', '-9223372036854775808', '42', null, null, null, null, null, null, null];
const EXACT_DECIMALS = ['12345678901234567890', '9007199254740993', '1.5', '-0.25', null, null, null, null, null, null];

/** An exact value: a number when a double holds it, else its digits as text (`suffix`: the scale's zeros). */
const exact =
  (suffix = '') =>
  (text: string): ExpectedCell => {
    const n = Number(text);
    return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : text + suffix;
  };

/** What every reader must see: doubles as numbers (-0 as 0), exact values beyond 2^53 as their digits. */
function expectedRows(decimal: (text: string) => ExpectedCell): ExpectedCell[][] {
  const or = (text: string | null | undefined, cell: (text: string) => ExpectedCell): ExpectedCell => (text == null ? null : cell(text));
  return [
    ['id', 'f', 'big', 'dec'],
    ...DOUBLES.map((f, i) => [i + 1, Number(f) || 0, or(EXACT_INTEGERS[i], exact()), or(EXACT_DECIMALS[i], decimal)]),
  ];
}

const sqlValue = (text: string | null): string => (text === null ? 'NULL' : text);

before(async () => {
  const pg = await pgAdmin();
  await pg.query(`CREATE TABLE ${pgTable} (id int, f float8, big int8, dec numeric)`);
  for (const [i, f] of DOUBLES.entries()) {
    await pg.query(`INSERT INTO ${pgTable} VALUES ($1, $2::float8, $3::int8, $4::numeric)`, [i + 1, f, EXACT_INTEGERS[i], EXACT_DECIMALS[i]]);
  }
  await pg.end();

  const my = await mysqlAdmin();
  try {
    await my.query(`CREATE TABLE ${myTable} (id INT, f DOUBLE, big BIGINT, \`dec\` DECIMAL(38,2))`);
    for (const [i, f] of DOUBLES.entries()) {
      await my.query(`INSERT INTO ${myTable} VALUES (${i + 1}, CAST('${f}' AS DOUBLE), ${sqlValue(EXACT_INTEGERS[i] ?? null)}, ${sqlValue(EXACT_DECIMALS[i] ?? null)})`);
    }
  } finally {
    await my.end();
  }

  const db = new Database(sqlitePath);
  db.exec('CREATE TABLE fidelity (id INTEGER, f REAL, big INTEGER, dec NUMERIC)');
  const insert = db.prepare('INSERT INTO fidelity VALUES (?, ?, ?, ?)');
  // NUMERIC affinity keeps 20-digit text as text and turns 9007199254740993 into an exact INTEGER.
  for (const [i, f] of DOUBLES.entries()) {
    const big = EXACT_INTEGERS[i];
    insert.run(i + 1, Number(f), big === null || big === undefined ? null : BigInt(big), EXACT_DECIMALS[i] ?? null);
  }
  db.close();
});

after(async () => {
  const pg = await pgAdmin();
  await pg.query(`DROP TABLE IF EXISTS ${pgTable}`);
  await pg.end();
  const my = await mysqlAdmin();
  await my.query(`DROP TABLE IF EXISTS ${myTable}`);
  await my.end();
  cleanup();
});

async function exportQuery(source: string, query: string, out: string): Promise<void> {
  const result = await finished(startCli(['export', '--source', source, '--query', query, '--out', out, '--sheet', 'Data', '--no-progress']), 120_000);
  assert.equal(result.code, 0, result.stderr);
}

const CASES = [
  { name: 'PostgreSQL', source: PG_URL, query: () => `select * from ${pgTable} order by id`, decimal: exact() },
  // DECIMAL(38,2) prints its two places.
  { name: 'MariaDB', source: MYSQL_URL, query: () => `select * from ${myTable} order by id`, decimal: exact('.00') },
  // NUMERIC affinity stores 9007199254740993 as an exact INTEGER, and 12345678901234567890 (beyond 64 bits) as a REAL:
  // a double, which stays a number.
  { name: 'SQLite', source: `sqlite:${sqlitePath}`, query: () => 'select * from fidelity order by id', decimal: (text: string) => (text.length > 19 ? Number(text) : exact()(text)) },
];

for (const { name, source, query, decimal } of CASES) {
  test(`${name}: doubles at the edges are numbers, exact values beyond 2^53 are text, in every reader`, async () => {
    const out = join(dir, `${name}.xlsx`);
    await exportQuery(source, query(), out);
    const rows = expectedRows(decimal);
    const check = await xlsxCheck(out, [{ name: 'Data', rows }]);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /5 readers passed, 0 failed/);
    // ExcelJS, bit for bit: the shortest round-trip digits come back as the same double.
    const [sheet] = await readWithExcelJs(out);
    const trimmed = rows.map((row) => row.slice(0, row.findLastIndex((cell) => cell !== null) + 1)); // readers drop trailing empty cells
    assert.deepEqual(sheet?.rows, trimmed);
  });
}

/**
 * LibreOffice headless converts `file` to `format`: csv as the cells are shown (filter option 9, "save cell contents
 * as shown"; UTF-8, comma, double quotes), pdf as the sheet is printed.
 */
async function soffice(file: string, format: 'csv' | 'pdf'): Promise<string> {
  const outdir = join(dir, `soffice-${format}`);
  const filter = format === 'csv' ? 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true' : 'pdf';
  await run('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--convert-to', filter, '--outdir', outdir, file], { timeout: 180_000 });
  const converted = join(outdir, basename(file).replace(/\.xlsx$/, `.${format}`));
  if (format === 'csv') return readFile(converted, 'utf8');
  return (await run('pdftotext', ['-layout', converted, '-'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

test('numeric(12,2) shows two places and separators; the widest value fits whichever row it is in; timestamp(3) keeps its milliseconds', async () => {
  const table = uniqueName('amounts');
  const pg = await pgAdmin();
  try {
    await pg.query(`CREATE TABLE ${table} (id int, amount numeric(12,2), stamp timestamp(3))`);
    // 150 rows of small amounts, then the widest value the type allows: far past the first 100 rows.
    await pg.query(`INSERT INTO ${table} SELECT g, CASE WHEN g = 1 THEN 1234.5 ELSE 70.6 END, '2024-01-31 23:59:59.999' FROM generate_series(1, 150) g`);
    await pg.query(`INSERT INTO ${table} VALUES (151, 25000, '2024-02-29 00:00:00'), (152, -9999999999.99, '2024-03-01 12:00:00.5')`);
    const out = join(dir, 'amounts.xlsx');
    await exportQuery(PG_URL, `select * from ${table} order by id`, out);

    const csv = await soffice(out, 'csv');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines[1], '1,"1,234.50",2024-01-31 23:59:59.999');
    assert.equal(lines[2], '2,70.60,2024-01-31 23:59:59.999');
    assert.equal(lines[151], '151,"25,000.00",2024-02-29 00:00:00.000');
    assert.equal(lines[152], '152,"-9,999,999,999.99",2024-03-01 12:00:00.500');

    // As printed: LibreOffice renders a value wider than its column as ###.
    const printed = await soffice(out, 'pdf');
    assert.match(printed, /-9,999,999,999\.99/);
    assert.doesNotMatch(printed, /###/);
  } finally {
    await pg.query(`DROP TABLE IF EXISTS ${table}`);
    await pg.end();
  }
});
