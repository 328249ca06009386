/** Ad-hoc SQL on a source that allows it (still read-only), and the JobQueue extension point's guard. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { buildApp } from '../../src/service/app.js';
import { loadConfig } from '../../src/service/config/load.js';
import { isJobQueue, type JobQueue } from '../../src/service/jobs/job-queue.js';
import { PG_URL, dropPgTable, makePgOrders, withPg } from './helpers/data.js';
import { ORDERS_TOKEN, TOKEN, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, writeConfig, type JobJson } from './helpers/server.js';

test('ad-hoc SQL runs for "*" tokens on an adHocSql source, read-only', async () => {
  const dir = await makeTempDir();
  const table = await makePgOrders(50);
  try {
    const server = await startServer(dir, {
      sources: { pg: { url: PG_URL, adHocSql: true } },
      reports: { orders: { source: 'pg', table } },
      tokens: [{ token: TOKEN, reports: ['*'] }, { token: ORDERS_TOKEN, reports: ['orders'] }],
    });
    try {
      const response = await postExport(server.url, { source: 'pg', query: `select id from ${table} where id <= :n::int order by id`, params: { n: 5 }, format: 'csv' });
      assert.equal(response.status, 202);
      const job = await waitForJob(server.url, ((await response.json()) as JobJson).id, finished);
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      assert.equal(job.rows, 5);
      assert.equal(job.report, null);
      assert.equal(job.source, 'pg');
      const narrow = await postExport(server.url, { source: 'pg', query: 'select 1' }, ORDERS_TOKEN);
      assert.equal(narrow.status, 403, 'ad-hoc SQL needs a "*" token');
      const unknown = await postExport(server.url, { source: 'nope', query: 'select 1' });
      assert.equal(unknown.status, 404);
      assert.equal((await errorOf(unknown)).message, 'source nope not found');
      const write = await postExport(server.url, { source: 'pg', query: `delete from ${table} returning id` });
      const refused = await waitForJob(server.url, ((await write.json()) as JobJson).id, finished);
      assert.equal(refused.status, 'failed');
      // Clients see the client's version of the database's refusal (docs/security.md); its text ("read-only
      // transaction") is in the log under the trace id. The row count below is what proves nothing was written.
      assert.equal(refused.error?.code, 'SHEETPIPE_ERR_SOURCE_QUERY');
      assert.equal(refused.error?.message, 'the database of source pg rejected the query');
      const count = await withPg(async (client) => (await client.query(`select count(*)::int as n from ${table}`)).rows[0] as { n: number });
      assert.equal(count.n, 50, 'nothing was deleted');
    } finally {
      await server.close();
    }
  } finally {
    await dropPgTable(table);
    await removeDir(dir);
  }
});

test('isJobQueue accepts a queue and rejects look-alikes; buildApp refuses a factory that returns no queue', async () => {
  const methods = ['start', 'enqueue', 'get', 'cancel', 'remove', 'subscribe', 'counts', 'close'];
  const complete = Object.fromEntries(methods.map((name) => [name, () => undefined])) as unknown as JobQueue;
  assert.equal(isJobQueue(complete), true);
  assert.equal(isJobQueue({ ...complete, subscribe: 'no' }), false);
  assert.equal(isJobQueue(null), false);
  assert.equal(isJobQueue({}), false);
  const dir = await makeTempDir();
  try {
    const config = await loadConfig(await writeConfig(dir, { sources: { pg: { url: PG_URL } } }));
    await assert.rejects(buildApp(config, { createQueue: () => ({}) as JobQueue }), (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'));
      assert.match(error.message, /createQueue: did not return a JobQueue/);
      return true;
    });
  } finally {
    await removeDir(dir);
  }
});
