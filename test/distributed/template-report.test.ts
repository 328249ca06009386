/** Distributed mode: a real `sheetpipe worker` plans a template report's job from its own config and fills the template. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xlsxCheck } from '../helpers/xlsx-check.js';
import { auth, postExport, waitForJob, type JobJson } from '../service/helpers/server.js';
import { dataSheet, fixture, salesQuery, storedEntries } from '../template/helpers.js';
import { startCluster } from './helpers/cluster.js';

const ROWS = 40;

test('distributed: a worker fills a template report; the table covers the new rows', { timeout: 120_000 }, async () => {
  const cluster = await startCluster({
    workers: 1,
    reports: { monthly: { source: 'pg', query: salesQuery(ROWS), template: { file: fixture('template.xlsx'), into: 'table:Sales' } } },
  });
  try {
    const posted = (await (await postExport(cluster.url, { report: 'monthly' })).json()) as JobJson;
    const job = await waitForJob(cluster.url, posted.id, (state) => ['succeeded', 'failed'].includes(state.status), 60_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const file = await fetch(`${cluster.url}/v1/exports/${job.id}/file`, { headers: auth() });
    assert.equal(file.status, 200);
    const out = join(cluster.dir, 'downloaded.xlsx');
    await writeFile(out, Buffer.from(await file.arrayBuffer()));
    assert.match(storedEntries(out).get('xl/tables/table1.xml')?.text() ?? '', new RegExp(` ref="A3:E${ROWS + 3}"`));
    const check = await xlsxCheck(out, [dataSheet(ROWS)], 'zip,openpyxl', ['--sheet', 'Data']);
    assert.equal(check.code, 0, check.output);
  } finally {
    await cluster.close();
  }
});
