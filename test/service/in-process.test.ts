/**
 * buildApp's `runExport` option: a caller's export function runs in-process for background jobs and
 * direct downloads alike (no worker threads), with the same contract as the default threads.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runExport } from '../../src/pipeline/index.js';
import type { ExportOptions } from '../../src/pipeline/types.js';
import { PG_URL, dropPgTable, makePgOrders } from './helpers/data.js';
import { auth, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, TOKEN, type JobJson, type TestServer } from './helpers/server.js';

const calls: ExportOptions[] = [];
let server: TestServer;
let dir: string;
let table: string;

before(async () => {
  dir = await makeTempDir();
  table = await makePgOrders(500);
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { orders: { source: 'pg', query: `select * from ${table} order by id` }, broken: { source: 'pg', query: 'select * from no_such_table_here' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
  }, {
    runExport: (options) => {
      calls.push(options);
      return runExport(options);
    },
  });
});

after(async () => {
  await server.close();
  await dropPgTable(table);
  await removeDir(dir);
});

test('a background job and a direct download both run through the caller\'s export function', async () => {
  const job = (await (await postExport(server.url, { report: 'orders' })).json()) as JobJson;
  const done = await waitForJob(server.url, job.id, finished);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.rows, 500);
  assert.equal(calls.length, 1);
  assert.equal(typeof calls[0]!.out, 'string', 'the job writes its file');

  const download = await fetch(`${server.url}/v1/reports/orders/download?format=csv`, { headers: auth() });
  assert.equal(download.status, 200);
  assert.equal((await download.text()).split('\r\n').filter(Boolean).length, 501);
  assert.equal(calls.length, 2);
  assert.notEqual(typeof calls[1]!.out, 'string', 'the download writes into the response');
});

test('an in-process download that fails before its first byte is a JSON error', async () => {
  const response = await fetch(`${server.url}/v1/reports/broken/download?format=csv`, { headers: auth() });
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'SHEETPIPE_ERR_SOURCE_QUERY');
});
