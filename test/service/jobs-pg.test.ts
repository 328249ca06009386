/**
 * Jobs against real PostgreSQL over loopback: progress over SSE, 409 while running, DELETE
 * stops the query on the server (pg_stat_activity) and removes the temp file, the bounded
 * queue answers 429 + Retry-After, and a client that disconnects from a direct download stops its query.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PG_URL, busyBackends, slowQuery, dropPgTable, makePgOrders, uniqueName, until } from './helpers/data.js';
import { TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson, type TestServer } from './helpers/server.js';
import { sseReader } from './helpers/sse.js';
import { orderRows, range, xlsxCheck } from './helpers/xlsx-check.js';

const marker = uniqueName('slow_marker');
let server: TestServer;
let dir: string;
let table: string;

before(async () => {
  dir = await makeTempDir();
  table = await makePgOrders(3000);
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      slow: { source: 'pg', query: slowQuery(marker) },
      orders: { source: 'pg', query: `select * from ${table} where id > :after order by id`, params: { after: { type: 'integer', default: 0 } }, sheet: 'Orders' },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 1, queueLength: 1, retryAfterSeconds: 7 },
  });
});

after(async () => {
  await server.close();
  await dropPgTable(table);
  await removeDir(dir);
});

async function accepted(body: unknown): Promise<JobJson> {
  const response = await postExport(server.url, body);
  assert.equal(response.status, 202, await response.clone().text());
  return (await response.json()) as JobJson;
}

async function filesOf(id: string): Promise<string[]> {
  return (await readdir(join(dir, 'exports', 'files'))).filter((name) => name.includes(id));
}

test('a running job reports progress over SSE, its file is 409, and DELETE stops the PostgreSQL query', async () => {
  const traceId = randomBytes(16).toString('hex');
  const response = await fetch(`${server.url}/v1/exports`, {
    method: 'POST', body: JSON.stringify({ report: 'slow' }),
    headers: { ...auth(), 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, baggage: 'color=canary' },
  });
  const job = (await response.json()) as JobJson;
  await until(async () => (await busyBackends(marker)) > 0, 15_000, 'the query to run on the server');
  // The job's trace context rides along in the statement as a sqlcommenter comment.
  assert.equal(await busyBackends(traceId), 1, 'the running statement carries the trace id');
  const running = await waitForJob(server.url, job.id, (j) => j.status === 'running' && j.rows > 0, 15_000);
  assert.ok(running.startedAt);
  assert.ok((await filesOf(job.id)).length > 0, 'a temp file is being written');

  const file = await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() });
  assert.equal(file.status, 409);
  assert.equal((await errorOf(file)).code, 'SHEETPIPE_ERR_SERVICE_NOT_FINISHED');

  const events = sseReader(await fetch(`${server.url}/v1/exports/${job.id}/events`, { headers: auth() }));
  const first = await events.next();
  assert.equal(first?.event, 'progress');
  const second = await events.next();
  assert.equal(second?.event, 'progress');
  assert.ok((second?.data.rows as number) >= (first?.data.rows as number));
  assert.deepEqual(Object.keys(second?.data ?? {}).sort(), ['bytes', 'rows', 'rowsPerSecond']);
  assert.ok((second?.data.rowsPerSecond as number) > 0);

  const canceled = await fetch(`${server.url}/v1/exports/${job.id}`, { method: 'DELETE', headers: auth() });
  assert.equal(canceled.status, 200);
  const body = (await canceled.json()) as JobJson;
  assert.equal(body.status, 'canceled');
  assert.equal(body.error?.code, 'SHEETPIPE_ERR_PIPELINE_CANCELED');
  // "200 once the query is stopped and the temp file removed". The temp file is checked right after
  // the answer; the backend is given 1 s: after pg_cancel_backend and the client's disconnect the
  // server keeps showing the statement as active for ~100 ms while the backend exits (measured here).
  assert.deepEqual(await filesOf(job.id), [], 'the temp file is removed');
  await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the query to leave pg_stat_activity');

  let end = await events.next();
  while (end?.event === 'progress') end = await events.next();
  assert.equal(end?.event, 'end');
  assert.equal(end?.data.status, 'canceled');
  assert.equal(await events.next(), undefined, 'the stream closes after end');

  const gone = await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() });
  assert.equal(gone.status, 410);
  assert.match((await errorOf(gone)).message, /canceled: the export was cancelled/);
  assert.equal((await fetch(`${server.url}/v1/exports/${job.id}`, { headers: auth() })).status, 200, 'a canceled job stays visible');
});

test('beyond the running limit jobs queue FIFO; a full queue answers 429 with Retry-After', async () => {
  const first = await accepted({ report: 'slow' });
  assert.equal(first.status, 'running', 'a free slot starts the job at once');
  const second = await accepted({ report: 'orders' });
  assert.equal(second.status, 'queued');
  const third = await postExport(server.url, { report: 'orders' });
  assert.equal(third.status, 429);
  assert.equal(third.headers.get('retry-after'), '7');
  assert.deepEqual(await errorOf(third), { code: 'SHEETPIPE_ERR_SERVICE_QUEUE_FULL', message: 'the export queue is full (1 waiting); retry later' });
  const download = await fetch(`${server.url}/v1/reports/orders/download`, { headers: auth() });
  assert.equal(download.status, 429, 'direct downloads share the export slots');
  assert.equal(download.headers.get('retry-after'), '7');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^sheetpipe_export_queue_depth 1$/m);
  assert.match(metrics, /^sheetpipe_exports_running 1$/m);

  // Cancelling the running job lets the queued one run next.
  const canceled = await fetch(`${server.url}/v1/exports/${first.id}`, { method: 'DELETE', headers: auth() });
  assert.equal(((await canceled.json()) as JobJson).status, 'canceled');
  const done = await waitForJob(server.url, second.id, finished);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.rows, 3000);
  const response = await fetch(`${server.url}/v1/exports/${second.id}/file`, { headers: auth() });
  const path = join(dir, 'pg-orders.xlsx');
  await import('node:fs/promises').then((fs) => response.arrayBuffer().then((data) => fs.writeFile(path, Buffer.from(data))));
  const check = await xlsxCheck(path, 'Orders', orderRows(range(1, 3000)));
  assert.equal(check.code, 0, check.output);
});

test('DELETE of a queued job cancels it without running it', async () => {
  const blocker = await accepted({ report: 'slow' });
  const waiting = await accepted({ report: 'orders' });
  assert.equal(waiting.status, 'queued');
  const response = await fetch(`${server.url}/v1/exports/${waiting.id}`, { method: 'DELETE', headers: auth() });
  assert.equal(response.status, 200);
  const body = (await response.json()) as JobJson;
  assert.equal(body.status, 'canceled');
  assert.equal(body.startedAt, null, 'it never started');
  await fetch(`${server.url}/v1/exports/${blocker.id}`, { method: 'DELETE', headers: auth() });
  await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the blocker\'s query to stop');
});

test('a client that disconnects from a direct download stops the export and its query', async () => {
  const url = new URL(`${server.url}/v1/reports/slow/download`);
  const received = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(url, { headers: auth() }, (response) => {
      assert.equal(response.statusCode, 200);
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Enough to know the export streams; then hang up mid-file.
        if (bytes > 64 * 1024) {
          busyBackends(marker).then((busy) => {
            assert.ok(busy > 0, 'the query runs while the download streams');
            request.destroy();
            resolve(bytes);
          }, reject);
          response.pause();
        }
      });
    });
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    request.end();
  });
  assert.ok(received > 64 * 1024);
  await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the query to stop after the disconnect');
  await until(async () => /sheetpipe_exports_total\{status="canceled"\} [1-9]/.test(await (await fetch(`${server.url}/metrics`)).text()), 5_000, 'the canceled export to be counted');
  const ready = await fetch(`${server.url}/v1/reports/orders/download?after=2990&format=csv`, { headers: auth() });
  assert.equal(ready.status, 200, 'the slot was released');
  assert.equal((await ready.text()).split(/\r?\n/).filter(Boolean).length, 11);
});
