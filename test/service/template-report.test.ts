/**
 * `reports.NAME.template` (issue 17 in the service): a job of the report fills the committed template fixture from
 * PostgreSQL; a bad template stops the config (load and live reload) naming its key path and never its folder; a
 * csv request for the report is a 400.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { loadConfig } from '../../src/service/config/load.js';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { PG_URL, dataSheet, fixture, salesQuery, storedEntries } from '../template/helpers.js';
import { auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, writeConfig, waitForJob, TOKEN, type JobJson, type TestServer } from './helpers/server.js';

const ROWS = 120;
let server: TestServer;
let dir: string;

function configWith(template: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sources: { pg: { url: PG_URL } },
    reports: { monthly: { source: 'pg', query: salesQuery(ROWS), template }, ...extra },
    tokens: [{ token: TOKEN, reports: ['*'] }],
  };
}

const GOOD = { file: 'templates/monthly.xlsx', into: 'table:Sales' };

before(async () => {
  dir = await makeTempDir('sheetpipe-tmplsvc-');
  await mkdir(join(dir, 'templates'));
  for (const name of ['template.xlsx', 'below.xlsx']) await copyFile(fixture(name), join(dir, 'templates', name === 'template.xlsx' ? 'monthly.xlsx' : name));
  await writeFile(join(dir, 'templates', 'not-a-workbook.xlsx'), 'plain text');
  server = await startServer(dir, configWith(GOOD));
});

after(async () => {
  await server?.close();
  await removeDir(dir);
});

test('a job of a template report fills the template: the readers see the new rows and the table grows to cover them', { timeout: 120_000 }, async () => {
  const listing = (await (await fetch(`${server.url}/v1/reports`, { headers: auth() })).json()) as { reports: { name: string; formats: string[] }[] };
  assert.deepEqual(listing.reports.find((report) => report.name === 'monthly')?.formats, ['xlsx']);

  const posted = await postExport(server.url, { report: 'monthly' });
  assert.equal(posted.status, 202);
  const job = await waitForJob(server.url, ((await posted.json()) as JobJson).id, finished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  assert.equal(job.rows, ROWS);
  const file = await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() });
  assert.equal(file.status, 200);
  const out = join(dir, 'downloaded.xlsx');
  await writeFile(out, Buffer.from(await file.arrayBuffer()));

  const check = await xlsxCheck(out, [{ name: 'Cover', rows: [['Monthly sales report'], [], ['Prepared by Finance']] }, dataSheet(ROWS)], 'zip,openpyxl', ['--sheet', 'Cover', '--sheet', 'Data']);
  assert.equal(check.code, 0, check.output);
  const before = storedEntries(fixture('template.xlsx')).get('xl/tables/table1.xml')?.text() ?? '';
  const table = storedEntries(out).get('xl/tables/table1.xml')?.text() ?? '';
  assert.doesNotMatch(before, new RegExp(` ref="A3:E${ROWS + 3}"`), 'the template\'s table is smaller');
  assert.match(table, new RegExp(` ref="A3:E${ROWS + 3}"`), 'the table covers exactly the new rows');
});

test('a csv request for a template report is a 400 naming the problem (job and direct download)', async () => {
  const posted = await postExport(server.url, { report: 'monthly', format: 'csv' });
  assert.equal(posted.status, 400);
  const error = await errorOf(posted);
  assert.equal(error.code, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST');
  assert.match(error.message, /report monthly fills an xlsx template: format "csv" is not available/);
  const download = await fetch(`${server.url}/v1/reports/monthly/download?format=csv`, { headers: auth() });
  assert.equal(download.status, 400);
  assert.match((await errorOf(download)).message, /format "csv" is not available/);
});

test('a bad template stops the config at load, naming reports.<name>.template… and never the folder', async () => {
  const refused = async (raw: unknown, pattern: RegExp): Promise<void> => {
    const file = await writeConfig(join(dir, 'templates'), raw);
    await assert.rejects(loadConfig(file), (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'), String(error));
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes(dir), `no absolute path: ${error.message}`);
      return true;
    });
  };
  await refused(configWith({ file: 'missing.xlsx', into: 'table:Sales' }), /reports\.monthly\.template\.file: template missing\.xlsx cannot be read/);
  await refused(configWith({ file: 'not-a-workbook.xlsx', into: 'table:Sales' }), /reports\.monthly\.template\.file: .*SHEETPIPE_ERR_TEMPLATE_NOT_XLSX/);
  await refused(configWith({ file: 'monthly.xlsx', into: 'table:Nope' }), /reports\.monthly\.template\.into: .*SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND/);
  await refused(configWith({ file: 'monthly.xlsx', into: 'Sales' }), /reports\.monthly\.template\.into: .*SHEETPIPE_ERR_TEMPLATE_BAD_TARGET/);
  await refused(configWith({ file: 'below.xlsx', into: 'table:Sales' }), /reports\.monthly\.template\.into: .*SHEETPIPE_ERR_TEMPLATE_UNSAFE/);
  await refused(configWith({ file: 'monthly.xlsx' }), /reports\.monthly\.template\.into: /);
  await refused(
    { ...configWith(undefined), reports: { monthly: { source: 'pg', sheets: [{ name: 'A', query: 'select 1 as x' }], template: { file: 'monthly.xlsx', into: 'table:Sales' } } } },
    /reports\.monthly\.template: a template is filled by a single-query report/,
  );
  await refused(
    { ...configWith({ file: 'monthly.xlsx', into: 'table:Sales' }), schedules: [{ cron: '0 6 * * *', report: 'monthly', format: 'csv' }] },
    /schedules\[0\]\.format: report monthly fills a template, which is xlsx only/,
  );
});

test('a live reload with a bad template is rejected with the key path; the running report keeps working', { timeout: 120_000 }, async () => {
  await writeConfig(dir, configWith({ file: 'templates/monthly.xlsx', into: 'sheet:Nowhere!A2' }));
  const reload = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: auth() });
  assert.equal(reload.status, 409);
  const error = await errorOf(reload);
  assert.match(error.message, /reports\.monthly\.template\.into: .*not found/);
  assert.ok(!error.message.includes(dir), error.message);
  await writeConfig(dir, configWith(GOOD));
  const posted = await postExport(server.url, { report: 'monthly' });
  assert.equal(posted.status, 202);
  assert.equal((await waitForJob(server.url, ((await posted.json()) as JobJson).id, finished)).status, 'succeeded');
});
