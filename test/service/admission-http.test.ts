/** Admission control seen from a client: refused with 503 + Retry-After above the refuse watermark, queued above the queue watermark. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildApp } from '../../src/service/app.js';
import { loadConfig } from '../../src/service/config/load.js';
import { makeSqliteOrders } from './helpers/data.js';
import { TOKEN, auth, errorOf, makeTempDir, postExport, removeDir, startServer, waitForJob, writeConfig, type JobJson } from './helpers/server.js';

function configWith(dir: string, extra: Record<string, unknown>): Record<string, unknown> {
  makeSqliteOrders(join(dir, 'demo.db'), 10);
  return {
    sources: { demo: { url: 'sqlite:./demo.db' } },
    reports: { orders: { source: 'demo', query: 'select * from orders' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    ...extra,
  };
}

test('above the refuse watermark new exports get 503 + Retry-After and /readyz reports shedding', async () => {
  const dir = await makeTempDir();
  try {
    // 1 MB: this process's RSS is far above 85 % of it.
    const server = await startServer(dir, configWith(dir, { limits: { memoryLimitMb: 1, retryAfterSeconds: 9 } }));
    try {
      const response = await postExport(server.url, { report: 'orders' });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '9');
      const error = await errorOf(response);
      assert.equal(error.code, 'SHEETPIPE_ERR_SERVICE_OVERLOADED');
      assert.match(error.message, /RSS \d+ MB is above the refuse watermark 1 MB/);
      const download = await fetch(`${server.url}/v1/reports/orders/download`, { headers: auth() });
      assert.equal(download.status, 503);
      assert.equal(download.headers.get('retry-after'), '9');
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { status: string; reason: string };
      assert.equal(body.status, 'shedding');
      assert.match(body.reason, /RSS/);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'still alive');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /sheetpipe_memory_watermark_bytes\{level="refuse"\} 891289/);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('above the queue watermark new exports are accepted but wait', async () => {
  const dir = await makeTempDir();
  try {
    // Queue above 0.001 % of 100 GB (1 MB): always; refuse above 85 %: never.
    const server = await startServer(dir, configWith(dir, { limits: { memoryLimitMb: 102400 }, admission: { queueAtPercent: 0.001 } }));
    try {
      const response = await postExport(server.url, { report: 'orders' });
      assert.equal(response.status, 202);
      const job = (await response.json()) as JobJson;
      assert.equal(job.status, 'queued');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const still = await waitForJob(server.url, job.id, () => true);
      assert.equal(still.status, 'queued', 'it does not start while memory is above the queue watermark');
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; admission: string; waiting: number };
      assert.deepEqual([ready.status, ready.admission, ready.waiting], ['ready', 'queue', 1]);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('buildApp works in-process with inject(); a closing app refuses new exports with 503', async () => {
  const dir = await makeTempDir();
  try {
    const config = await loadConfig(await writeConfig(dir, configWith(dir, { server: { shutdownGraceSeconds: 1 } })));
    const app = await buildApp(config);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    const unauthorized = await app.inject({ method: 'POST', url: '/v1/exports', payload: { report: 'orders' } });
    assert.equal(unauthorized.statusCode, 401);
    const closing = app.close();
    const late = await app.inject({ method: 'POST', url: '/v1/exports', headers: auth(), payload: { report: 'orders' } });
    assert.equal(late.statusCode, 503);
    assert.equal(late.json().error.code, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
    assert.ok(late.headers['retry-after']);
    await closing;
  } finally {
    await removeDir(dir);
  }
});
