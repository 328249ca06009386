// One token cannot hold every export slot: limits.runningExportsPerToken, over real HTTP with real PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_URL } from './helpers/data.js';
import { auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, type JobJson } from './helpers/server.js';

const ALICE = 'alice-token';
const BOB = 'bob-token';
const ADMIN = 'admin-token';

test('a token over limits.runningExportsPerToken waits (jobs) or gets 429 (downloads) while other tokens run', async () => {
  const dir = await makeTempDir();
  const server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { sleep: { source: 'pg', query: 'select pg_sleep(:seconds) is null as slept', params: { seconds: 'number' } } },
    tokens: [
      { name: 'alice', token: ALICE, reports: ['sleep'] },
      { name: 'bob', token: BOB, reports: ['sleep'] },
      { name: 'ops', token: ADMIN, reports: ['*'] },
    ],
    limits: { concurrentExports: 4, runningExportsPerToken: 1, requestsPerSecond: 10_000, downloadWaitSeconds: 5 },
  });
  const waitAs = (token: string, id: string, done: (job: JobJson) => boolean): Promise<JobJson> =>
    waitForJobAs(server.url, token, id, done);
  try {
    const long = (await (await postExport(server.url, { report: 'sleep', params: { seconds: 12 } }, ALICE)).json()) as JobJson;
    await waitAs(ALICE, long.id, (job) => job.status === 'running');
    const next = (await (await postExport(server.url, { report: 'sleep', params: { seconds: 0 } }, ALICE)).json()) as JobJson;

    // Bob's job, submitted after Alice's second one, passes it: slots are free, only Alice is at her limit.
    const bobs = (await (await postExport(server.url, { report: 'sleep', params: { seconds: 0 } }, BOB)).json()) as JobJson;
    assert.equal((await waitAs(BOB, bobs.id, finished)).status, 'succeeded');
    assert.equal((await getJob(server.url, ALICE, next.id)).status, 'queued', 'Alice\'s second job waits for her first');

    // Her download waits for her running export, as long as a download may wait (5 s here), then 429.
    const download = await fetch(`${server.url}/v1/reports/sleep/download?seconds=0`, { headers: auth(ALICE) });
    assert.equal(download.status, 429);
    const error = await errorOf(download);
    assert.equal(error.code, 'SHEETPIPE_ERR_SERVICE_TOKEN_BUSY');
    assert.match(error.message, /already runs 1 exports, limits\.runningExportsPerToken allows 1/);
    assert.ok(download.headers.get('retry-after'));

    // Operators are not limited: two admin downloads run beside each other and beside Alice's job.
    const [first, second] = await Promise.all([0, 1].map(() => fetch(`${server.url}/v1/reports/sleep/download?seconds=0.5`, { headers: auth(ADMIN) })));
    assert.equal(first?.status, 200);
    assert.equal(second?.status, 200);
    await Promise.all([first?.text(), second?.text()]);

    assert.equal((await waitAs(ALICE, long.id, finished)).status, 'succeeded');
    assert.equal((await waitAs(ALICE, next.id, finished)).status, 'succeeded', 'her second job ran once her first ended');
    const after = await fetch(`${server.url}/v1/reports/sleep/download?seconds=0`, { headers: auth(ALICE) });
    assert.equal(after.status, 200, 'with nothing running, Alice downloads again');
    await after.text();
    // A download that waits for her own running export starts when it ends.
    const running = (await (await postExport(server.url, { report: 'sleep', params: { seconds: 0.2 } }, ALICE)).json()) as JobJson;
    await waitAs(ALICE, running.id, (job) => job.status === 'running');
    const waited = await fetch(`${server.url}/v1/reports/sleep/download?seconds=0`, { headers: auth(ALICE) });
    assert.equal(waited.status, 200, 'it waited for her export, then ran');
    await waited.text();
  } finally {
    await server.close();
    await removeDir(dir);
  }
});

async function getJob(url: string, token: string, id: string): Promise<JobJson> {
  return (await (await fetch(`${url}/v1/exports/${id}`, { headers: auth(token) })).json()) as JobJson;
}

async function waitForJobAs(url: string, token: string, id: string, done: (job: JobJson) => boolean): Promise<JobJson> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await getJob(url, token, id);
    if (done(job)) return job;
    assert.ok(Date.now() < deadline, `job ${id} did not reach the expected state: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


