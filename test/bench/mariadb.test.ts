// The MariaDB side of issue 18's question: the bench table built in MariaDB, the db-mariadb case reading it back,
// and bench/mysql-floor.ts's three readers agreeing on the row count. A database of this test's own, dropped after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import ExcelJS from 'exceljs';
import { COLUMN_NAMES } from '../../bench/dataset.js';
import { DEFAULT_MYSQL_SOURCE, ensureMysqlTable } from '../../bench/db/mysql-table.js';
import { exportQuery } from '../../bench/db/table.js';
import { measureProcess } from '../../bench/measure.js';
import { parseBenchOptions } from '../../bench/options.js';
import { outputPath, processSpec, type Run } from '../../bench/plan.js';

const run = promisify(execFile);
const ROWS = 1500;
const FLOOR = new URL('../../bench/mysql-floor.js', import.meta.url).pathname;

test('MariaDB: the bench table, the db-mariadb case and the floor readers', async (t) => {
  const schema = `scale_bench_test_${process.pid}`;
  const table = `${schema}.orders`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-mariadb-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const connection = await mysql.createConnection(DEFAULT_MYSQL_SOURCE);
    await connection.query(`DROP DATABASE IF EXISTS ${schema}`);
    await connection.end();
  });
  assert.ok((await ensureMysqlTable(ROWS, DEFAULT_MYSQL_SOURCE, table)).builtMs > 0, 'a new table is built');
  assert.equal((await ensureMysqlTable(ROWS, DEFAULT_MYSQL_SOURCE, table)).builtMs, 0, 'an up-to-date table is reused');

  await t.test('db-mariadb exports every row through runExport, typed', async () => {
    const options = parseBenchOptions(['--cases', 'db-mariadb', '--rows', String(ROWS)], {}, 'R.md');
    const caseRun: Run = { caseId: 'db-mariadb', rows: ROWS, suite: 'db' };
    const spec = processSpec(caseRun, outputPath(caseRun, dir), options, { table });
    assert.equal(spec.args[spec.args.indexOf('--source') + 1], DEFAULT_MYSQL_SOURCE);
    const measured = await measureProcess(spec);
    assert.equal(measured.child?.rows, ROWS);
    assert.ok((measured.child?.mainCpuMs ?? 0) > 0, 'the main thread used CPU');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(outputPath(caseRun, dir));
    const sheet = workbook.worksheets[0];
    assert.ok(sheet);
    assert.equal(sheet.rowCount, ROWS + 1);
    assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), [...COLUMN_NAMES]);
    const [id, amount, qty, name, , createdAt, , note, ratio, code] = (sheet.getRow(ROWS + 1).values as unknown[]).slice(1);
    assert.equal(typeof id, 'number');
    assert.equal(typeof amount, 'number');
    assert.equal(typeof qty, 'number');
    assert.equal(typeof name, 'string');
    assert.ok(createdAt instanceof Date);
    assert.ok(typeof note === 'string' && note.length >= 20 && note.length <= 60, String(note));
    assert.equal(typeof ratio, 'number');
    assert.match(String(code), /^[A-Z]-\d{6}$/);
  });

  await t.test('mysql2 execute, mysql2 query and the raw framing reader all count every row', async () => {
    for (const mode of ['raw', 'mysql2-execute', 'mysql2-query']) {
      const { stdout } = await run(process.execPath, [FLOOR, '--mode', mode, '--query', exportQuery(table)]);
      const report = JSON.parse(stdout) as { mode: string; rows: number; cpuMs: number };
      assert.equal(report.mode, mode);
      assert.equal(report.rows, ROWS, mode);
    }
    await assert.rejects(run(process.execPath, [FLOOR, '--mode', 'raw', '--query', `SELECT * FROM ${schema}.missing`]), /server error 1146/);
  });
});
