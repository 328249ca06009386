/** Cron schedules (6 fields: every second) enqueue through the same limits; retention expires files and records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PG_URL, makeSqliteOrders, slowQuery, uniqueName, until } from './helpers/data.js';
import { TOKEN, auth, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';

async function metric(url: string, pattern: RegExp): Promise<number> {
  const match = pattern.exec(await (await fetch(`${url}/metrics`)).text());
  return match ? Number(match[1]) : 0;
}

const base = (dir: string, extra: Record<string, unknown>): Record<string, unknown> => {
  makeSqliteOrders(join(dir, 'demo.db'), 20);
  return {
    sources: { demo: { url: 'sqlite:./demo.db' }, pg: { url: PG_URL } },
    reports: {
      upto: { source: 'demo', query: 'select * from orders where id <= :n order by id', params: { n: 'integer' } },
      slow: { source: 'pg', query: slowQuery(uniqueName('sched')) },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    ...extra,
  };
};

test('a 6-field cron schedule fires every second and its exports succeed', async () => {
  const dir = await makeTempDir();
  try {
    const server = await startServer(dir, base(dir, { schedules: [{ cron: '* * * * * *', report: 'upto', params: { n: 3 }, jitterSeconds: 0, format: 'csv' }] }));
    try {
      await until(async () => (await metric(server.url, /sheetpipe_schedule_runs_total\{report="upto",outcome="enqueued"\} (\d+)/)) >= 2, 15_000, 'two scheduled runs');
      await until(async () => (await metric(server.url, /sheetpipe_exports_total\{status="succeeded"\} (\d+)/)) >= 2, 15_000, 'two scheduled exports to succeed');
      assert.equal(await metric(server.url, /sheetpipe_exports_total\{status="failed"\} (\d+)/), 0);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a scheduled run that finds the queue full is counted as deferred and retried until there is room', async () => {
  const dir = await makeTempDir();
  try {
    const server = await startServer(dir, base(dir, {
      limits: { concurrentExports: 1, queueLength: 0, retryAfterSeconds: 1 },
      schedules: [{ cron: '*/5 * * * * *', report: 'upto', params: { n: 1 }, jitterSeconds: 0 }],
    }));
    try {
      const blocker = (await (await postExport(server.url, { report: 'slow' })).json()) as JobJson;
      assert.equal(blocker.status, 'running');
      await until(async () => (await metric(server.url, /sheetpipe_schedule_runs_total\{report="upto",outcome="deferred"\} (\d+)/)) >= 2, 12_000, 'deferred runs');
      assert.equal(await metric(server.url, /sheetpipe_schedule_runs_total\{report="upto",outcome="enqueued"\} (\d+)/), 0, 'nothing got past the full queue');
      await fetch(`${server.url}/v1/exports/${blocker.id}`, { method: 'DELETE', headers: auth() });
      // The retry (every retryAfterSeconds) gets in before the next 5-second tick would.
      await until(async () => (await metric(server.url, /sheetpipe_schedule_runs_total\{report="upto",outcome="enqueued"\} (\d+)/)) >= 1, 6_000, 'the retried run to be enqueued');
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('retention (fractional hours) removes expired files and job records', async () => {
  const dir = await makeTempDir();
  try {
    // 0.0005 h = 1.8 s.
    const server = await startServer(dir, base(dir, { storage: { retentionHours: 0.0005 } }));
    try {
      const job = (await (await postExport(server.url, { report: 'upto', params: { n: 5 } })).json()) as JobJson;
      const done = await waitForJob(server.url, job.id, finished);
      assert.equal(done.status, 'succeeded');
      const path = join(dir, 'exports', 'files', `${job.id}.xlsx`);
      assert.ok(existsSync(path));
      assert.equal((await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 200, 'still there before it expires');
      await until(async () => (await fetch(`${server.url}/v1/exports/${job.id}`, { headers: auth() })).status === 404, 5_000, 'the record to expire');
      assert.ok(!existsSync(path), 'the file is removed before its record');
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});
