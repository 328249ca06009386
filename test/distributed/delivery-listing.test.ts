/**
 * Distributed mode (API + a real `sheetpipe worker` on Redis): jobs carry their deliveries through Redis, the API
 * delivers a signed webhook when a worker finishes one, and GET /v1/exports lists Redis jobs per token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyWebhook } from '../../src/webhooks.js';
import { until } from '../service/helpers/data.js';
import { startWebhookReceiver } from '../service/helpers/receivers.js';
import { TOKEN, auth, postExport, waitForJob, type JobJson } from '../service/helpers/server.js';
import { NUMBERS_SQL, startCluster } from './helpers/cluster.js';

const SECRET = 'whsec_distributed';

test('distributed: a worker-finished job is delivered by the API with a signed webhook; listing shows Redis jobs per token', { timeout: 120_000 }, async () => {
  const hook = await startWebhookReceiver([500]);
  const cluster = await startCluster({
    workers: 1,
    reports: { hooked: { source: 'pg', query: NUMBERS_SQL, params: { rows: { type: 'integer', default: 10 } }, deliveries: ['hook'] } },
    overrides: {
      tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'other', token: 'other-token', reports: ['hooked'] }],
      deliveries: { hook: { type: 'webhook', url: hook.url, secret: SECRET, maxAttempts: 3, backoffSeconds: 0.05 } },
    },
  });
  try {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = (await (await postExport(cluster.url, { report: 'hooked', deliver: ['hook'] })).json()) as JobJson;
      mine.push(job.id);
    }
    const theirs = (await (await postExport(cluster.url, { report: 'hooked' }, 'other-token')).json()) as JobJson;
    for (const id of [...mine, theirs.id]) await waitForJob(cluster.url, id, (job) => job.status === 'succeeded', 60_000);

    await until(() => new Set(hook.received.map((call) => call.headers['sheetpipe-delivery'])).size >= 3, 30_000, 'three deliveries');
    for (const call of hook.received) assert.ok(verifyWebhook(SECRET, call.headers['sheetpipe-signature'], call.body).ok);
    const payload = JSON.parse(hook.received[hook.received.length - 1]?.body.toString() ?? '{}') as { export: { id: string; rows: number; downloadUrl: string } };
    assert.equal(payload.export.rows, 10);
    assert.equal((await fetch(payload.export.downloadUrl)).status, 200, 'the signed link serves the worker\'s file');

    // "*" lists every job newest first, each with its delivery; the other token only its own.
    let listed: { exports: (JobJson & { delivery: { status: string } | null })[] } = { exports: [] };
    await until(async () => {
      listed = (await (await fetch(`${cluster.url}/v1/exports?limit=2`, { headers: auth() })).json()) as typeof listed;
      return listed.exports.some((job) => job.delivery?.status === 'delivered');
    }, 30_000, 'the listing to show the deliveries');
    assert.equal(listed.exports.length, 2);
    assert.equal(listed.exports.find((job) => job.id === theirs.id)?.delivery ?? null, null, 'a job without deliveries shows delivery null');
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await fetch(`${cluster.url}/v1/exports?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth() })).json()) as { exports: JobJson[]; next: string | null };
      all.push(...page.exports.map((job) => job.id));
      cursor = page.next;
    } while (cursor !== null);
    // Newest first, ties within a millisecond broken by id (as documented).
    const created = await Promise.all([...mine, theirs.id].map(async (id) => ({ id, at: Date.parse(((await (await fetch(`${cluster.url}/v1/exports/${id}`, { headers: auth() })).json()) as { createdAt: string }).createdAt) })));
    assert.deepEqual(all, created.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((job) => job.id));
    const other = (await (await fetch(`${cluster.url}/v1/exports`, { headers: auth('other-token') })).json()) as { exports: JobJson[] };
    assert.deepEqual(other.exports.map((job) => job.id), [theirs.id]);
  } finally {
    await cluster.close();
    await hook.close();
  }
});
