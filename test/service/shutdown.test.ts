/** SIGTERM: stop accepting, let running exports finish within the grace period, cancel the rest cleanly, exit 0. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_URL, busyBackends, dropPgTable, makePgOrders, slowQuery, uniqueName, until } from './helpers/data.js';
import { startChildServer } from './helpers/child.js';
import { TOKEN, auth, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';

function configFor(table: string, marker: string, graceSeconds: number): Record<string, unknown> {
  return {
    sources: { pg: { url: PG_URL } },
    reports: {
      orders: { source: 'pg', query: `select * from ${table} order by id` },
      slow: { source: 'pg', query: slowQuery(marker) },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    server: { shutdownGraceSeconds: graceSeconds },
  };
}

test('SIGTERM lets a running export finish within the grace period, then exits 0', async () => {
  const dir = await makeTempDir();
  const table = await makePgOrders(200_000);
  try {
    const config = configFor(table, uniqueName('grace'), 60);
    const child = await startChildServer(dir, config);
    const job = (await (await postExport(child.url, { report: 'orders' })).json()) as JobJson;
    await waitForJob(child.url, job.id, (j) => j.status === 'running' && j.rows > 0, 15_000);
    child.child.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.output());
    const restarted = await startServer(dir, config);
    try {
      const done = await waitForJob(restarted.url, job.id, () => true);
      assert.equal(done.status, 'succeeded', 'the export finished during the grace period');
      assert.equal(done.rows, 200_000);
      assert.equal((await fetch(`${restarted.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 200);
    } finally {
      await restarted.close();
    }
  } finally {
    await dropPgTable(table);
    await removeDir(dir);
  }
});

test('after the grace period running exports are cancelled: query stopped, no temp file, exit 0', async () => {
  const dir = await makeTempDir();
  const marker = uniqueName('cutoff');
  try {
    const config = configFor('pg_class', marker, 0.5);
    const child = await startChildServer(dir, config);
    const job = (await (await postExport(child.url, { report: 'slow' })).json()) as JobJson;
    await waitForJob(child.url, job.id, (j) => j.status === 'running' && j.rows > 0, 15_000);
    const started = Date.now();
    child.child.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.output());
    assert.ok(Date.now() - started < 10_000, 'shutdown does not wait for the export to end by itself');
    await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the query to stop');
    assert.deepEqual((await readdir(join(dir, 'exports', 'files'))).filter((name) => name.includes(job.id)), []);
    const restarted = await startServer(dir, config);
    try {
      const canceled = await waitForJob(restarted.url, job.id, () => true);
      assert.equal(canceled.status, 'canceled');
      assert.equal(canceled.error?.code, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
    } finally {
      await restarted.close();
    }
  } finally {
    await removeDir(dir);
  }
});
