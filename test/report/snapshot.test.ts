import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runReport } from '../../src/report/run-report.js';
import type { ReportDefinition } from '../../src/report/types.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import { xlsxCheck, type ExpectedCell, type ExpectedSheet } from '../helpers/xlsx-check.js';
import { MYSQL_URL, PG_URL, mysqlAdmin, pgAdmin, uniqueName } from '../sources/helpers.js';

/** 12 orders in 3 regions; the writer adds 5 more and changes one amount between the two sheets' queries. */
const ORDERS: [number, string, number][] = Array.from({ length: 12 }, (_, i) => [i + 1, ['North', 'South', 'West'][i % 3] as string, (i + 1) * 10 - (i === 4 ? 100 : 0)]);
const WRITES = (table: string): string[] => [
  `INSERT INTO ${table} (id, region, amount) VALUES (101, 'North', 1000), (102, 'South', 2000), (103, 'West', 3000), (104, 'North', 4000), (105, 'East', 5000)`,
  `UPDATE ${table} SET amount = amount + 7 WHERE id = 1`,
];

function definition(table: string, snapshot: boolean): ReportDefinition {
  return {
    snapshot,
    sheets: [
      { name: 'Summary', query: `SELECT region, count(*) AS orders, sum(amount) AS total FROM ${table} GROUP BY region ORDER BY region` },
      { name: 'Orders', query: `SELECT id, region, amount FROM ${table} ORDER BY id`, columns: { amount: { format: { currency: 'EUR' } } } },
    ],
  };
}

/** What a consistent report of `orders` shows. */
function expectedOf(orders: readonly [number, string, number][]): ExpectedSheet[] {
  const regions = [...new Set(orders.map(([, region]) => region))].sort();
  const summary: ExpectedCell[][] = regions.map((region) => {
    const mine = orders.filter(([, r]) => r === region);
    return [region, mine.length, mine.reduce((sum, [, , amount]) => sum + amount, 0)];
  });
  return [
    { name: 'Summary', rows: [['region', 'orders', 'total'], ...summary] },
    { name: 'Orders', rows: [['id', 'region', 'amount'], ...orders.map((order) => [...order])] },
  ];
}

const AFTER: [number, string, number][] = [
  ...ORDERS.map(([id, region, amount]): [number, string, number] => [id, region, id === 1 ? amount + 7 : amount]),
  [101, 'North', 1000],
  [102, 'South', 2000],
  [103, 'West', 3000],
  [104, 'North', 4000],
  [105, 'East', 5000],
];

/** Runs the report with the writes committed from another connection once the first sheet is written. */
async function reportWithWriter(source: string, table: string, snapshot: boolean, write: (sql: string) => Promise<unknown>): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'sheetpipe-reports-snapshot-')), 'report.xlsx');
  let wrote = false;
  await runReport({
    source,
    definition: definition(table, snapshot),
    out,
    deterministic: true,
    threads: 1,
    async onSheet(_sheet, index) {
      if (index !== 0) return;
      for (const sql of WRITES(table)) await write(sql);
      wrote = true;
    },
  });
  assert.ok(wrote, 'the writer ran between the sheets');
  return out;
}

/** The readers see exactly `expected`. */
async function assertReport(path: string, expected: ExpectedSheet[], readers?: string): Promise<void> {
  const check = await xlsxCheck(path, expected, readers);
  assert.equal(check.code, 0, check.output);
}

async function assertSnapshotHolds(source: string, table: string, write: (sql: string) => Promise<unknown>, reset: () => Promise<void>): Promise<void> {
  const consistent = await reportWithWriter(source, table, true, write);
  await assertReport(consistent, expectedOf(ORDERS));
  // The control: without the snapshot the detail sees the writes the summary did not, so the test can fail.
  await reset();
  const torn = await reportWithWriter(source, table, false, write);
  const [summary, detail] = await readWithExcelJs(torn);
  const summed = (summary?.rows.slice(1) ?? []).reduce((sum, row) => sum + Number(row[1]), 0);
  assert.equal(summed, ORDERS.length);
  assert.equal((detail?.rows.length ?? 0) - 1, AFTER.length);
  // The control's package is the same code path as the checked one: the quick readers suffice.
  await assertReport(torn, [expectedOf(ORDERS)[0] as ExpectedSheet, expectedOf(AFTER)[1] as ExpectedSheet], 'zip,openpyxl');
}

test('SQLite: a writer commits between the sheets; the summary still equals the detail it was read with (WAL)', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sheetpipe-reports-sqlite-')), 'shop.db');
  const admin = new Database(path);
  admin.pragma('journal_mode = WAL'); // readers keep their snapshot while a writer commits
  const table = 'reports_orders';
  const reset = async (): Promise<void> => {
    admin.exec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id INTEGER PRIMARY KEY, region TEXT NOT NULL, amount INTEGER NOT NULL)`);
    const insert = admin.prepare(`INSERT INTO ${table} (id, region, amount) VALUES (?, ?, ?)`);
    for (const order of ORDERS) insert.run(...order);
  };
  await reset();
  try {
    await assertSnapshotHolds(`sqlite:${path}`, table, async (sql) => admin.exec(sql), reset);
  } finally {
    admin.close();
  }
});

test('PostgreSQL: a writer commits between the sheets; the summary still equals the detail (REPEATABLE READ READ ONLY)', async () => {
  const admin = await pgAdmin();
  const table = uniqueName('reports_orders');
  const reset = async (): Promise<void> => {
    await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id integer PRIMARY KEY, region text NOT NULL, amount integer NOT NULL)`);
    await admin.query(`INSERT INTO ${table} (id, region, amount) SELECT * FROM unnest($1::int[], $2::text[], $3::int[])`, [
      ORDERS.map((o) => o[0]),
      ORDERS.map((o) => o[1]),
      ORDERS.map((o) => o[2]),
    ]);
  };
  await reset();
  try {
    await assertSnapshotHolds(PG_URL, table, (sql) => admin.query(sql), reset);
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }
});

test('MariaDB: a writer commits between the sheets; the summary still equals the detail (WITH CONSISTENT SNAPSHOT, READ ONLY)', async () => {
  const admin = await mysqlAdmin();
  const table = uniqueName('reports_orders');
  const reset = async (): Promise<void> => {
    await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, region varchar(20) NOT NULL, amount int NOT NULL) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO ${table} (id, region, amount) VALUES ?`, [ORDERS]);
  };
  await reset();
  try {
    await assertSnapshotHolds(MYSQL_URL, table, (sql) => admin.query(sql), reset);
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }
});
