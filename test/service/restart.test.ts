/** Durability: finished jobs and files survive a restart, queued jobs run after it, killed ones are failed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_URL, busyBackends, makeSqliteOrders, slowQuery, uniqueName, until } from './helpers/data.js';
import { startChildServer } from './helpers/child.js';
import { TOKEN, auth, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';

function configFor(marker: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sources: { demo: { url: 'sqlite:./demo.db' }, pg: { url: PG_URL } },
    reports: {
      orders: { source: 'demo', query: 'select * from orders order by id' },
      slow: { source: 'pg', query: slowQuery(marker) },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    ...extra,
  };
}

test('a restart keeps finished jobs and their files; queued jobs run after it', async () => {
  const dir = await makeTempDir();
  const marker = uniqueName('restart');
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 500);
    const config = configFor(marker, { limits: { concurrentExports: 1 }, server: { shutdownGraceSeconds: 0 } });
    const first = await startServer(dir, config);
    const done = (await (await postExport(first.url, { report: 'orders' })).json()) as JobJson;
    const succeeded = await waitForJob(first.url, done.id, finished);
    assert.equal(succeeded.status, 'succeeded');
    const before = await fetch(`${first.url}/v1/exports/${done.id}/file`, { headers: auth() });
    const bytes = Buffer.from(await before.arrayBuffer());
    const blocker = (await (await postExport(first.url, { report: 'slow' })).json()) as JobJson;
    const waiting = (await (await postExport(first.url, { report: 'orders' })).json()) as JobJson;
    assert.equal(waiting.status, 'queued');
    await first.close();
    await until(async () => (await busyBackends(marker)) === 0, 5_000, 'shutdown to stop the running query');

    const second = await startServer(dir, config);
    try {
      const kept = await waitForJob(second.url, done.id, () => true);
      assert.equal(kept.status, 'succeeded');
      assert.equal(kept.rows, 500);
      const after = await fetch(`${second.url}/v1/exports/${done.id}/file`, { headers: auth() });
      assert.equal(after.status, 200);
      assert.equal(after.headers.get('etag'), before.headers.get('etag'));
      assert.deepEqual(Buffer.from(await after.arrayBuffer()), bytes);
      const interrupted = await waitForJob(second.url, blocker.id, () => true);
      assert.equal(interrupted.status, 'canceled', 'the shutdown grace (0 s) cancelled the running job cleanly');
      assert.equal(interrupted.error?.code, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
      const resumed = await waitForJob(second.url, waiting.id, finished);
      assert.equal(resumed.status, 'succeeded', 'a job still queued at shutdown runs after the restart');
    } finally {
      await second.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a job running when the process was killed is marked failed at the next start, its temp file removed', async () => {
  const dir = await makeTempDir();
  const marker = uniqueName('killed');
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 10);
    const child = await startChildServer(dir, configFor(marker));
    const job = (await (await postExport(child.url, { report: 'slow' })).json()) as JobJson;
    await waitForJob(child.url, job.id, (j) => j.status === 'running' && j.rows > 0, 15_000);
    const files = join(dir, 'exports', 'files');
    assert.ok((await readdir(files)).some((name) => name.includes(job.id)), 'a temp file exists while it runs');
    child.child.kill('SIGKILL');
    assert.equal(await child.exited, 'SIGKILL');
    await until(async () => (await busyBackends(marker)) === 0, 10_000, 'PostgreSQL to notice the dead client');

    const restarted = await startServer(dir, configFor(marker));
    try {
      const failed = await waitForJob(restarted.url, job.id, () => true);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error?.code, 'SHEETPIPE_ERR_SERVICE_JOB_INTERRUPTED');
      assert.ok(failed.finishedAt);
      assert.ok(!(await readdir(files)).some((name) => name.includes(job.id)), 'the orphaned temp file is removed');
      assert.equal((await fetch(`${restarted.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 410);
    } finally {
      await restarted.close();
    }
  } finally {
    await removeDir(dir);
  }
});
