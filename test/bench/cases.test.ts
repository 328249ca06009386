// Runs each benchmark case for real, as the harness does (a child process per run), on a few
// thousand rows, and reads every output back: a fast case that writes the wrong file is no result.
// No timing is asserted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { csvLine } from '../../bench/cases/csv-writer.js';
import { COLUMN_NAMES, datasetBatches } from '../../bench/dataset.js';
import { DEFAULT_SOURCE, ensureTable } from '../../bench/db/table.js';
import { measureProcess, ProcessFailure } from '../../bench/measure.js';
import { parseBenchOptions, type CaseId } from '../../bench/options.js';
import { outputPath, processSpec, type Run } from '../../bench/plan.js';

const ROWS = 2000;
const options = parseBenchOptions(['--rows', String(ROWS)], {}, 'unused.md');
const expected = [...datasetBatches({ rows: ROWS })].flat();

async function runCase(caseId: CaseId, dir: string, table?: string) {
  const run: Run = { caseId, rows: ROWS, suite: caseId.startsWith('db-') ? 'db' : 'engine' };
  const out = outputPath(run, dir);
  const measured = await measureProcess(processSpec(run, out, options, { table }));
  // psql is measured by polling only, and may exit on 2,000 rows before the first sample lands.
  if (caseId !== 'db-psql') assert.ok(measured.peakRssKiB > 10_000, `peak RSS should be a real process's: ${measured.peakRssKiB} KiB`);
  assert.ok(measured.wallMs > 0);
  if (measured.child) {
    assert.equal(measured.child.rows, ROWS);
    assert.ok(measured.child.fileBytes > 1000);
  }
  return out;
}

async function readSheet(path: string): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  assert.ok(sheet, 'the workbook has a sheet');
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

function assertDatasetSheet(rows: unknown[][]): void {
  assert.equal(rows.length, ROWS + 1, 'header + every data row');
  assert.deepEqual(rows[0], [...COLUMN_NAMES]);
  for (const index of [0, 1, ROWS >> 1, ROWS - 1]) assert.deepEqual(rows[index + 1], expected[index], `row ${index + 1}`);
}

/** The database table mimics the dataset's shapes, not its values, and a heap scan has no fixed order. */
function assertDatabaseSheet(rows: unknown[][]): void {
  assert.equal(rows.length, ROWS + 1, 'header + every data row');
  assert.deepEqual(rows[0], [...COLUMN_NAMES]);
  const ids = rows.slice(1).map((row) => row[0] as number).sort((a, b) => a - b);
  assert.deepEqual(ids, Array.from({ length: ROWS }, (_, index) => index + 1));
  for (const row of rows.slice(1, 50)) {
    assert.equal(row.length, 10);
    assert.equal(typeof row[1], 'number', 'numeric amounts are numbers');
    assert.ok(row[5] instanceof Date, 'created_at is a date cell');
    assert.equal(typeof row[6], 'boolean');
  }
}

test('engine cases write the whole dataset, readable back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  await t.test('csv', async () => {
    const lines = readFileSync(await runCase('csv', dir), 'utf8').split('\n');
    assert.equal(lines.length, ROWS + 2, 'header, rows, final newline');
    assert.equal(lines[0], COLUMN_NAMES.join(','));
    assert.equal(`${lines[1]}\n`, csvLine(expected[0] as unknown[]));
    assert.equal(`${lines[ROWS]}\n`, csvLine(expected[ROWS - 1] as unknown[]));
  });
  await t.test('generate writes nothing', async () => {
    const run: Run = { caseId: 'generate', rows: ROWS, suite: 'engine' };
    const measured = await measureProcess(processSpec(run, outputPath(run, dir), options));
    assert.deepEqual([measured.child?.rows, measured.child?.fileBytes], [ROWS, 0]);
  });
  await t.test('exceljs', async () => assertDatasetSheet(await readSheet(await runCase('exceljs', dir))));
  await t.test('sheetpipe, 1 thread', async () => assertDatasetSheet(await readSheet(await runCase('sheetpipe-t1', dir))));
  await t.test('sheetpipe, 2 threads', async () => assertDatasetSheet(await readSheet(await runCase('sheetpipe-t2', dir))));
});

test('database cases export the PostgreSQL table, readable back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-db-cases-'));
  const schema = `bench_test_${process.pid}`;
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: DEFAULT_SOURCE });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  const table = `${schema}.orders`;
  const built = await ensureTable(ROWS, DEFAULT_SOURCE, table);
  assert.ok(built.builtMs > 0, 'a new table is built');
  assert.equal((await ensureTable(ROWS, DEFAULT_SOURCE, table)).builtMs, 0, 'an up-to-date table is reused');

  await t.test('psql \\copy', async () => {
    const lines = readFileSync(await runCase('db-psql', dir, table), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, ROWS + 1);
    assert.equal(lines[0], COLUMN_NAMES.join(','));
    assert.match(lines[1] ?? '', /^1,\d+\.\d\d,\d+,[^,]+,[^,]+,2024-01-01 00:00:\d\d,[tf],[a-z ]{20,60},[0-9.e-]+,[A-Z]-\d{6}$/);
  });
  await t.test('pg-query-stream → ExcelJS', async () => {
    assertDatabaseSheet(await readSheet(await runCase('db-exceljs', dir, table)));
  });
  await t.test('sheetpipe runExport', async () => {
    assertDatabaseSheet(await readSheet(await runCase('db-sheetpipe', dir, table)));
  });
});

test('a failing run rejects with the line of stderr that names the error', async () => {
  const failing = measureProcess({
    command: process.execPath,
    args: ['-e', 'console.error("noise"); throw new TypeError("the reason")'],
    report: 'json',
    timeoutMs: 30_000,
  });
  await assert.rejects(failing, (error: unknown) => {
    assert.ok(error instanceof ProcessFailure);
    assert.match(error.message, /^exit code 1: TypeError: the reason$/);
    assert.match(error.stderr, /noise/);
    return true;
  });
});
