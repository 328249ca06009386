/**
 * A direct download that finds every export slot busy waits for one, within limits: it gives up with
 * 429 after `limits.downloadWaitSeconds`, and a shutdown refuses it at once (503) instead of starting it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_URL } from './helpers/data.js';
import { TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson, type TestServer } from './helpers/server.js';

let server: TestServer;
let dir: string;
let closed = false;

before(async () => {
  dir = await makeTempDir();
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      sleepy: { source: 'pg', query: 'select 1 as one from pg_sleep(:seconds)', params: { seconds: { type: 'number' } } },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 1, queueLength: 2, downloadWaitSeconds: 0.5, retryAfterSeconds: 3 },
    server: { shutdownGraceSeconds: 1 },
  });
});

after(async () => {
  if (!closed) await server.close();
  await removeDir(dir);
});

async function blocker(seconds: number): Promise<JobJson> {
  const response = await postExport(server.url, { report: 'sleepy', params: { seconds } });
  const job = (await response.json()) as JobJson;
  assert.equal(job.status, 'running', 'the blocker holds the only slot');
  return job;
}

test('a download that cannot get a slot within downloadWaitSeconds gets 429 with Retry-After', async () => {
  const job = await blocker(2);
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/reports/sleepy/download?seconds=0&format=csv`, { headers: auth() });
  const waitedMs = performance.now() - started;
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('retry-after'), '3');
  assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_BUSY');
  assert.ok(waitedMs >= 450, `it waited ${waitedMs.toFixed(0)} ms first`);
  await fetch(`${server.url}/v1/exports/${job.id}`, { method: 'DELETE', headers: auth() });
  assert.equal((await waitForJob(server.url, job.id, finished)).status, 'canceled');
});

test('shutdown refuses a waiting download at once instead of starting it', async () => {
  await blocker(5);
  const download = fetch(`${server.url}/v1/reports/sleepy/download?seconds=0&format=csv`, { headers: auth() });
  // Let the download reach the wait (it cannot finish: the slot is held for 5 s).
  await new Promise((resolve) => setTimeout(resolve, 150));
  closed = true;
  const closeStarted = performance.now();
  const closing = server.close();
  const response = await download;
  const answeredMs = performance.now() - closeStarted;
  assert.equal(response.status, 503);
  // Not after the 1 s grace, when the blocker is cancelled and its slot would pass to the download.
  assert.ok(answeredMs < 500, `answered ${answeredMs.toFixed(0)} ms after close() began`);
  assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
  await closing;
});
