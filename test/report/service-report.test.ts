import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isSheetpipeError } from '../../src/errors.js';
import { runExport } from '../../src/pipeline/index.js';
import { validateConfig } from '../../src/service/config/validate.js';
import { planJobQuery } from '../../src/service/export-plan.js';
import type { JobRequest } from '../../src/service/jobs/types.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';

const base = { baseDir: '/etc/sheetpipe', defaultMemoryLimitMb: 2048, env: {} };

function configWith(dbPath: string, report: Record<string, unknown>): unknown {
  return {
    sources: { shop: { url: `sqlite:${dbPath}` } },
    reports: {
      single: { source: 'shop', query: 'select id from orders where region = :region order by id', params: { region: { type: 'string' } } },
      monthEnd: { source: 'shop', ...report },
    },
    tokens: [{ token: 't0ken-reports', reports: ['*'] }],
    limits: { concurrentExports: 1, queueLength: 10, memoryLimitMb: 512 },
    storage: { dir: '/tmp/sheetpipe-reports-service', retentionHours: 1 },
  };
}

const MULTI = {
  title: 'Regions — {region}',
  about: true,
  params: { region: { type: 'string', default: 'North' } },
  sheets: [
    { name: 'Summary', query: 'select region, sum(amount) as total from orders where region = :region group by region', table: { totals: { total: 'sum' } }, columns: { total: { format: { currency: 'EUR' } } } },
    { name: 'Orders', query: 'select id, amount from orders where region = :region order by id' },
  ],
};

function job(report: string, params: Record<string, string | null>): JobRequest {
  return { report, source: null, query: null, params, format: 'xlsx', filename: null, origin: 'api', owner: null, trace: null };
}

test('the service reports config takes the multi-sheet definition; a job runs it through runExport; the single-query form still works', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-reports-service-'));
  const dbPath = join(dir, 'shop.db');
  const db = new Database(dbPath);
  db.exec("CREATE TABLE orders (id INTEGER, region TEXT, amount REAL); INSERT INTO orders VALUES (1, 'North', 10), (2, 'South', 5), (3, 'North', 2.5)");
  db.close();
  const config = validateConfig(configWith(dbPath, MULTI), base);
  assert.ok(config.reports.get('monthEnd')?.definition);

  const out = join(dir, 'month-end.xlsx');
  const result = await runExport({ ...planJobQuery(config, job('monthEnd', { region: 'North' })), out, deterministic: true });
  assert.deepEqual(result.sheets, ['Summary', 'Orders', 'About']);
  const check = await xlsxCheck(
    out,
    [
      { name: 'Summary', rows: [['region', 'total'], ['North', 12.5], ['Total', { formula: 'SUBTOTAL(109,B2:B2)', value: 12.5 }]] },
      { name: 'Orders', rows: [['id', 'amount'], [1, 10], [3, 2.5]] },
    ],
    'zip,openpyxl',
    ['--sheet', 'Summary', '--sheet', 'Orders'],
  );
  assert.equal(check.code, 0, check.output);

  const single = await runExport({ ...planJobQuery(config, job('single', { region: 'South' })), out: join(dir, 'single.xlsx') });
  assert.deepEqual([single.rows, single.sheets], [1, ['Sheet1']]);
  // A number rule on the second sheet's text column is refused before the first sheet's query runs (it fails when
  // executed: abs() of the smallest integer overflows) and before the job's file exists.
  const mistaken = {
    ...MULTI,
    sheets: [
      { name: 'First', query: 'select abs(-9223372036854775808) as boom' },
      { name: 'Orders', query: 'select id, region from orders where region = :region', columns: { region: { conditional: [{ when: '> 0', fill: '#FF0000' }] } } },
    ],
  };
  const refusedOut = join(dir, 'refused.xlsx');
  await assert.rejects(
    runExport({ ...planJobQuery(validateConfig(configWith(dbPath, mistaken), base), job('monthEnd', { region: 'North' })), out: refusedOut }),
    (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_REPORT_INVALID') && /^invalid report definition: sheets\[1\]\.columns\.region\.conditional\[0\]: this rule compares numbers/.test(error.message),
  );
  assert.equal(existsSync(refusedOut), false);
});

test('a bad multi-sheet report in the service config names its key path under reports', async () => {
  const bad = (report: Record<string, unknown>, pattern: RegExp): void => {
    assert.throws(
      () => validateConfig(configWith('/tmp/none.db', report), base),
      (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG') && pattern.test(error.message),
    );
  };
  bad({ ...MULTI, sheets: [{ name: 'A', query: 'select :region as x', table: { style: 'Fancy' } }] }, /reports\.monthEnd\.sheets\[0\]\.table\.style/);
  bad({ ...MULTI, sheets: [{ name: 'A', query: 'delete from orders where region = :region' }] }, /reports\.monthEnd.*refused/);
  bad({ ...MULTI, query: 'select 1' }, /give sheets, or one of query and table, not both/);
  bad({ ...MULTI, sheets: [{ name: 'A', query: 'select :other as x, :region as y' }] }, /parameter :other is not declared/);
});
