/** The HTTP API over real loopback against a real SQLite source: every endpoint and status code. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSqliteOrders } from './helpers/data.js';
import {
  ORDERS_TOKEN, TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson, type TestServer,
} from './helpers/server.js';
import { orderRows, range, xlsxCheck } from './helpers/xlsx-check.js';

const ROWS = 2000;
let server: TestServer;
let dir: string;

before(async () => {
  dir = await makeTempDir();
  makeSqliteOrders(join(dir, 'demo.db'), ROWS);
  server = await startServer(dir, {
    sources: { demo: { url: 'sqlite:./demo.db' } },
    reports: {
      orders: {
        source: 'demo', sheet: 'Orders',
        query: 'select * from orders where amount >= :min order by id',
        params: { min: { type: 'number', default: 0 } },
      },
      upto: { source: 'demo', query: 'select * from orders where id <= :n and (:odd = 0 or id % 2 = 1) order by id', params: { n: 'integer', odd: { type: 'boolean', default: false } } },
      broken: { source: 'demo', query: 'select * from no_such_table' },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }, { token: ORDERS_TOKEN, reports: ['orders'] }],
    storage: { dir: './exports' },
  });
});

after(async () => {
  await server.close();
  await removeDir(dir);
});

async function runJob(body: unknown): Promise<JobJson> {
  const response = await postExport(server.url, body);
  assert.equal(response.status, 202, await response.clone().text());
  const accepted = (await response.json()) as JobJson;
  assert.ok(['queued', 'running'].includes(accepted.status));
  assert.equal(response.headers.get('location'), `/v1/exports/${accepted.id}`);
  return waitForJob(server.url, accepted.id, finished);
}

test('health, readiness and metrics need no token', async () => {
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  const metrics = await fetch(`${server.url}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
  const text = await metrics.text();
  for (const name of ['sheetpipe_http_request_duration_seconds_bucket', 'sheetpipe_export_queue_depth', 'sheetpipe_exports_running',
    'sheetpipe_memory_rss_bytes', 'sheetpipe_memory_heap_used_bytes', 'sheetpipe_memory_watermark_bytes{level="queue"}',
    'sheetpipe_memory_watermark_bytes{level="refuse"}', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) {
    assert.ok(text.includes(name), `/metrics lacks ${name}`);
  }
  assert.match(text, /sheetpipe_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*status_code="200"[^}]*\} [1-9]/);
});

test('401 without or with a wrong token, 403 for a report the token may not use', async () => {
  const none = await fetch(`${server.url}/v1/exports/x`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  assert.deepEqual(await errorOf(none), { code: 'SHEETPIPE_ERR_SERVICE_UNAUTHORIZED', message: 'missing or invalid bearer token' });
  const wrong = await postExport(server.url, { report: 'orders' }, 'nope');
  assert.equal(wrong.status, 401);
  const forbidden = await postExport(server.url, { report: 'upto', params: { n: 1 } }, ORDERS_TOKEN);
  assert.equal(forbidden.status, 403);
  assert.equal((await errorOf(forbidden)).code, 'SHEETPIPE_ERR_SERVICE_FORBIDDEN');
  const adHoc = await postExport(server.url, { source: 'demo', query: 'select 1' }, ORDERS_TOKEN);
  assert.equal(adHoc.status, 403);
  const download = await fetch(`${server.url}/v1/reports/upto/download?n=1`, { headers: auth(ORDERS_TOKEN) });
  assert.equal(download.status, 403);
});

test('400 names the bad parameter or field; 404 for unknown reports, jobs and routes', async () => {
  const cases: [unknown, string, RegExp][] = [
    [{ report: 'orders', params: { min: 'lots' } }, 'SHEETPIPE_ERR_SERVICE_PARAM', /^parameter min: expected a finite number/],
    [{ report: 'orders', params: { max: 1 } }, 'SHEETPIPE_ERR_SERVICE_PARAM', /^parameter max: report orders has no such parameter/],
    [{ report: 'upto' }, 'SHEETPIPE_ERR_SERVICE_PARAM', /^parameter n: is required/],
    [{ report: 'orders', format: 'pdf' }, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST', /format must be "xlsx" or "csv"/],
    [{ report: 'orders', filename: '../etc/passwd' }, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST', /filename/],
    [{ report: 'orders', colour: 'red' }, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST', /unknown field colour/],
    [[1, 2], 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST', /JSON object/],
  ];
  for (const [body, code, message] of cases) {
    const response = await postExport(server.url, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    const error = await errorOf(response);
    assert.equal(error.code, code);
    assert.match(error.message, message);
  }
  const badJson = await fetch(`${server.url}/v1/exports`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{"report":' });
  assert.equal(badJson.status, 400);
  assert.equal((await errorOf(badJson)).code, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST');
  const unknownReport = await postExport(server.url, { report: 'nope' });
  assert.equal(unknownReport.status, 404);
  assert.deepEqual(await errorOf(unknownReport), { code: 'SHEETPIPE_ERR_SERVICE_NOT_FOUND', message: 'report nope not found' });
  for (const path of ['/v1/exports/0000', '/v1/exports/0000/file', '/v1/exports/0000/events', '/v1/reports/nope/download']) {
    const response = await fetch(`${server.url}${path}`, { headers: auth() });
    assert.equal(response.status, 404, path);
    assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_NOT_FOUND');
  }
  const deleteUnknown = await fetch(`${server.url}/v1/exports/0000`, { method: 'DELETE', headers: auth() });
  assert.equal(deleteUnknown.status, 404);
  const route = await fetch(`${server.url}/v2/nothing`, { headers: auth() });
  assert.equal(route.status, 404);
  assert.match((await errorOf(route)).message, /route GET \/v2\/nothing not found/);
});

test('a background export succeeds; its file has the right headers and passes xlsx-check', async () => {
  const job = await runJob({ report: 'orders', params: { min: 1500 } });
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  const expectedIds = range(1000, ROWS);
  assert.equal(job.rows, expectedIds.length, 'rows counts data rows only');
  assert.equal(job.report, 'orders');
  assert.deepEqual(job.params, { min: 1500 });
  for (const key of ['createdAt', 'startedAt', 'finishedAt']) assert.ok(!Number.isNaN(Date.parse(job[key] as string)), key);
  assert.equal(job.error, null);
  const response = await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(response.headers.get('content-disposition'), `attachment; filename="orders-${job.id}.xlsx"; filename*=UTF-8''orders-${job.id}.xlsx`);
  assert.equal(response.headers.get('accept-ranges'), 'bytes');
  assert.ok(response.headers.get('etag'));
  const body = Buffer.from(await response.arrayBuffer());
  assert.equal(Number(response.headers.get('content-length')), body.length);
  assert.equal(body.length, job.bytes, 'bytes is the final file size');
  const file = join(dir, 'downloaded.xlsx');
  await writeFile(file, body);
  const check = await xlsxCheck(file, 'Orders', orderRows(expectedIds));
  assert.equal(check.code, 0, check.output);
});

test('Range: one range is 206, unsatisfiable is 416, several get 200; ETag revalidates with 304', async () => {
  const job = await runJob({ report: 'upto', params: { n: 100 }, format: 'csv', filename: 'first hundred.csv' });
  assert.equal(job.status, 'succeeded');
  const fileUrl = `${server.url}/v1/exports/${job.id}/file`;
  const whole = await fetch(fileUrl, { headers: auth() });
  assert.equal(whole.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(whole.headers.get('content-disposition') ?? '', /filename="first hundred.csv"/);
  const text = await whole.text();
  assert.equal(text.split(/\r?\n/).filter(Boolean).length, 101, 'a header row and 100 data rows');
  const etag = whole.headers.get('etag') as string;
  const partial = await fetch(fileUrl, { headers: { ...auth(), range: 'bytes=10-19' } });
  assert.equal(partial.status, 206);
  assert.equal(partial.headers.get('content-range'), `bytes 10-19/${Buffer.byteLength(text)}`);
  assert.equal(partial.headers.get('content-length'), '10');
  assert.equal(await partial.text(), Buffer.from(text).subarray(10, 20).toString());
  const resumed = await fetch(fileUrl, { headers: { ...auth(), range: 'bytes=-5', 'if-range': etag } });
  assert.equal(resumed.status, 206);
  assert.equal(await resumed.text(), Buffer.from(text).subarray(-5).toString());
  const stale = await fetch(fileUrl, { headers: { ...auth(), range: 'bytes=0-1', 'if-range': '"old"' } });
  assert.equal(stale.status, 200, 'a stale If-Range gets the whole file');
  const unsatisfiable = await fetch(fileUrl, { headers: { ...auth(), range: `bytes=${Buffer.byteLength(text)}-` } });
  assert.equal(unsatisfiable.status, 416);
  assert.equal(unsatisfiable.headers.get('content-range'), `bytes */${Buffer.byteLength(text)}`);
  assert.equal((await errorOf(unsatisfiable)).code, 'SHEETPIPE_ERR_SERVICE_RANGE');
  const several = await fetch(fileUrl, { headers: { ...auth(), range: 'bytes=0-1,5-6' } });
  assert.equal(several.status, 200);
  assert.equal(await several.text(), text);
  const revalidate = await fetch(fileUrl, { headers: { ...auth(), 'if-none-match': etag } });
  assert.equal(revalidate.status, 304);
});

test('a failed export: status failed with the database error, its file is 410 with the error', async () => {
  const job = await runJob({ report: 'broken' });
  assert.equal(job.status, 'failed');
  assert.equal(job.error?.code, 'SHEETPIPE_ERR_SOURCE_QUERY');
  // Clients see the source's configured name, not the database's text (docs/security.md): that is logged.
  assert.equal(job.error?.message, 'the database of source demo rejected the query');
  const file = await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() });
  assert.equal(file.status, 410);
  const body = (await file.json()) as { error: { code: string; message: string; cause: { code: string } } };
  assert.equal(body.error.code, 'SHEETPIPE_ERR_SERVICE_GONE');
  assert.match(body.error.message, /failed: the database of source demo rejected the query/);
  assert.equal(body.error.cause.code, 'SHEETPIPE_ERR_SOURCE_QUERY');
  const names = await readdir(join(dir, 'exports', 'files'));
  assert.ok(!names.some((name) => name.includes(job.id)), 'a failed export leaves no file');
});

test('SSE of a finished job sends end at once and closes', async () => {
  const job = await runJob({ report: 'upto', params: { n: 10 } });
  const response = await fetch(`${server.url}/v1/exports/${job.id}/events`, { headers: auth() });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await response.text();
  assert.match(text, /^event: end\ndata: /);
  const data = JSON.parse(text.split('\n')[1]?.slice('data: '.length) ?? '') as JobJson;
  assert.equal(data.status, 'succeeded');
  assert.equal(data.rows, 10);
});

test('DELETE of a finished job removes job and file, then 404', async () => {
  const job = await runJob({ report: 'upto', params: { n: 5 } });
  const path = join(dir, 'exports', 'files', `${job.id}.xlsx`);
  assert.ok(existsSync(path));
  const removed = await fetch(`${server.url}/v1/exports/${job.id}`, { method: 'DELETE', headers: auth() });
  assert.equal(removed.status, 200);
  const body = (await removed.json()) as JobJson;
  assert.equal(body.deleted, true);
  assert.equal(body.status, 'succeeded');
  assert.ok(!existsSync(path), 'the file is gone');
  assert.equal((await fetch(`${server.url}/v1/exports/${job.id}`, { headers: auth() })).status, 404);
  assert.equal((await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 404);
});

test('direct download streams the report with query-string params coerced by type; format=csv works', async () => {
  const response = await fetch(`${server.url}/v1/reports/upto/download?n=7&odd=true&format=csv`, { headers: auth() });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
  const id = response.headers.get('x-export-id');
  assert.match(response.headers.get('content-disposition') ?? '', new RegExp(`filename="upto-${id}\\.csv"`));
  const lines = (await response.text()).split(/\r?\n/).filter(Boolean);
  assert.deepEqual(lines.map((line) => line.split(',')[0]), ['id', '1', '3', '5', '7']);
  const bad = await fetch(`${server.url}/v1/reports/upto/download?n=seven`, { headers: auth() });
  assert.equal(bad.status, 400);
  assert.match((await errorOf(bad)).message, /^parameter n: expected a whole number/);
  const broken = await fetch(`${server.url}/v1/reports/broken/download`, { headers: auth() });
  assert.equal(broken.status, 400, 'an error before the first byte is a JSON answer with the catalogue status');
  assert.equal((await errorOf(broken)).code, 'SHEETPIPE_ERR_SOURCE_QUERY');
});

test('direct xlsx download passes xlsx-check', async () => {
  const response = await fetch(`${server.url}/v1/reports/orders/download?min=2997`, { headers: auth(ORDERS_TOKEN) });
  assert.equal(response.status, 200);
  const file = join(dir, 'direct.xlsx');
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  const check = await xlsxCheck(file, 'Orders', orderRows(range(1998, ROWS)));
  assert.equal(check.code, 0, check.output);
});

test('ad-hoc SQL is refused unless the source enables it', async () => {
  const response = await postExport(server.url, { source: 'demo', query: 'select 1 as one' });
  assert.equal(response.status, 403);
  assert.deepEqual(await errorOf(response), { code: 'SHEETPIPE_ERR_SERVICE_AD_HOC_SQL', message: 'source demo does not allow ad-hoc SQL' });
});

test('/debug/latency needs a token whose reports include "*"', async () => {
  assert.equal((await fetch(`${server.url}/debug/latency`)).status, 401);
  assert.equal((await fetch(`${server.url}/debug/latency`, { headers: auth(ORDERS_TOKEN) })).status, 403);
  const ok = await fetch(`${server.url}/debug/latency?minMs=0&limit=5`, { headers: auth() });
  assert.equal(ok.status, 200);
  assert.ok(Array.isArray(((await ok.json()) as { records: unknown[] }).records));
});

test('metrics count finished exports by status', async () => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(text, /sheetpipe_exports_total\{status="succeeded"\} [1-9]/);
  assert.match(text, /sheetpipe_exports_total\{status="failed"\} [1-9]/);
  assert.match(text, /sheetpipe_export_rows_total [1-9]/);
  assert.match(text, /sheetpipe_export_bytes_total [1-9]/);
  assert.match(text, /sheetpipe_export_duration_seconds_count\{status="succeeded"\} [1-9]/);
});

test('a request\'s trace context reaches the job status and the file\'s custom properties', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const response = await fetch(`${server.url}/v1/exports`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, baggage: 'color=canary' },
    body: JSON.stringify({ report: 'upto', params: { n: 3 } }),
  });
  assert.equal(response.status, 202);
  assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${traceId}-`));
  const job = await waitForJob(server.url, ((await response.json()) as JobJson).id, finished);
  assert.equal(job.traceId, traceId);
  assert.equal(job.color, 'canary');
  const file = join(dir, 'traced.xlsx');
  await writeFile(file, Buffer.from(await (await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() })).arrayBuffer()));
  const { execFileSync } = await import('node:child_process');
  const custom = execFileSync('/usr/bin/python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("docProps/custom.xml").decode())', file]).toString();
  assert.match(custom, new RegExp(`name="traceId"[^>]*>\\s*<vt:lpwstr>${traceId}</vt:lpwstr>`));
  assert.match(custom, /name="color"[^>]*>\s*<vt:lpwstr>canary<\/vt:lpwstr>/);
});
