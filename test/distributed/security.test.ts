/**
 * Distributed mode does not trust Redis blindly (docs/security.md): records tampered with in Redis are
 * refused without reading any file outside storage, malformed ids never reach Redis, jobs carry their
 * owner through Redis, and an ACL user in the Redis URL works. No worker processes are needed: the
 * API is what is under test, and the records are written straight into Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { assertNoInternals } from '../service/helpers/no-internals.js';
import { TOKEN, auth, errorOf, postExport, type JobJson } from '../service/helpers/server.js';
import { startCluster, type Cluster } from './helpers/cluster.js';
import { REDIS_URL } from './helpers/redis.js';

const ALICE = 'alice-dist-secret';
const BOB = 'bob-dist-secret';
const TOKENS = [
  { token: TOKEN, name: 'ops', reports: ['*'] },
  { token: ALICE, name: 'alice', reports: ['numbers'] },
  { token: BOB, name: 'bob', reports: ['numbers'] },
];

async function withCluster(options: Parameters<typeof startCluster>[0], work: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster(options);
  try {
    await work(cluster);
  } finally {
    await cluster.close();
  }
}

/** Writes a finished BullMQ job straight into Redis, as someone with write access to Redis could. */
async function plantCompletedJob(prefix: string, id: string, request: Record<string, unknown>): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const now = Date.now();
    await redis.hset(`${prefix}:exports:${id}`, {
      name: 'export', data: JSON.stringify({ request, createdAt: now }), opts: '{}', timestamp: String(now),
      processedOn: String(now), finishedOn: String(now), returnvalue: JSON.stringify({ rows: 1, bytes: 5 }), atm: '1',
    });
    await redis.zadd(`${prefix}:exports:completed`, now, id);
  } finally {
    redis.disconnect();
  }
}

const BASE_REQUEST = {
  report: 'numbers', source: null, query: null, params: { rows: 1 }, format: 'xlsx', filename: null, origin: 'api', owner: 'alice', trace: null,
};

test('a job record tampered in Redis is refused without reading any file outside storage', { timeout: 60_000 }, async () => {
  await withCluster({ workers: 0, overrides: { tokens: TOKENS } }, async (cluster) => {
    const hostname = readFileSync('/etc/hostname', 'utf8').trim();
    const tampered: [string, Record<string, unknown>][] = [
      ['format with a path', { ...BASE_REQUEST, format: 'x/../../../../etc/hostname' }],
      ['filename with a bidi override', { ...BASE_REQUEST, filename: 'a\u202Egpj.xlsx' }],
      ['params that are not flat', { ...BASE_REQUEST, params: { nested: { deep: 1 } } }],
    ];
    for (const [what, request] of tampered) {
      const id = randomUUID();
      await plantCompletedJob(cluster.prefix, id, request);
      for (const path of [`/v1/exports/${id}/file`, `/v1/exports/${id}`]) {
        const response = await fetch(`${cluster.url}${path}`, { headers: auth() });
        assert.ok([404, 500].includes(response.status), `${what}: ${path} answered ${response.status}`);
        const text = await response.text();
        if (hostname.length > 0) assert.ok(!text.includes(hostname), `${what}: the answer holds /etc/hostname`);
        const error = JSON.parse(text) as { error: { code: string } };
        assertNoInternals(error);
        assert.equal(error.error.code, 'SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD', what);
      }
    }
    // A tombstone (a job cancelled while queued) is checked the same way.
    const id = randomUUID();
    const redis = new Redis(REDIS_URL);
    try {
      await redis.set(`${cluster.prefix}:exports:sheetpipe:canceled:${id}`, JSON.stringify({ ...BASE_REQUEST, id, format: '../../etc/hostname', status: 'canceled' }));
    } finally {
      redis.disconnect();
    }
    const tombstone = await fetch(`${cluster.url}/v1/exports/${id}/file`, { headers: auth() });
    assert.equal(tombstone.status, 500);
    assert.equal((await errorOf(tombstone)).code, 'SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD');
  });
});

test('malformed ids are 404 without a Redis call; jobs carry their owner through Redis', { timeout: 60_000 }, async () => {
  await withCluster({ workers: 0, overrides: { tokens: TOKENS } }, async (cluster) => {
    let calls = 0;
    for (const method of ['get', 'cancel', 'remove'] as const) {
      const original = cluster.queue[method].bind(cluster.queue);
      (cluster.queue as unknown as Record<string, unknown>)[method] = (...args: [string]) => {
        calls++;
        return original(...args);
      };
    }
    for (const [method, path] of [['GET', '/v1/exports/events'], ['GET', '/v1/exports/not-a-uuid/file'], ['DELETE', '/v1/exports/x'], ['GET', '/v1/exports/..%2F..%2Fetc/events']]) {
      const response = await fetch(`${cluster.url}${path}`, { method, headers: auth() });
      assert.equal(response.status, 404, path);
      assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_NOT_FOUND');
    }
    assert.equal(calls, 0, 'no malformed id reached the queue');

    // No worker runs: the job stays queued, owned by alice.
    const response = await postExport(cluster.url, { report: 'numbers', params: { rows: 5 } }, ALICE);
    const job = (await response.json()) as JobJson;
    assert.equal(response.status, 202, JSON.stringify(job));
    assert.equal(job.owner, 'alice');
    assert.equal(job.worker, undefined, 'only "*" tokens see which worker runs a job');
    for (const method of ['GET', 'DELETE']) {
      const denied = await fetch(`${cluster.url}/v1/exports/${job.id}`, { method, headers: auth(BOB) });
      assert.equal(denied.status, 404, `bob ${method}`);
      await errorOf(denied);
    }
    const own = (await (await fetch(`${cluster.url}/v1/exports/${job.id}`, { headers: auth(ALICE) })).json()) as JobJson;
    assert.equal(own.status, 'queued', 'bob\'s DELETE did not cancel it');
    assert.deepEqual(own.params, { rows: 5 });
    const ops = (await (await fetch(`${cluster.url}/v1/exports/${job.id}`, { headers: auth(TOKEN) })).json()) as JobJson;
    assert.equal(ops.owner, 'alice');
    assert.equal(ops.params, null);
    const redis = new Redis(REDIS_URL);
    try {
      const data = JSON.parse((await redis.hget(`${cluster.prefix}:exports:${job.id}`, 'data')) ?? '{}') as { request: { owner: string } };
      assert.equal(data.request.owner, 'alice');
      const raw = JSON.stringify(await redis.hgetall(`${cluster.prefix}:exports:${job.id}`));
      assert.ok(!raw.includes(ALICE), 'no token secret in Redis');
    } finally {
      redis.disconnect();
    }
  });
});

test('jobs per token are limited in distributed mode too; a deleted job frees its place', { timeout: 60_000 }, async () => {
  await withCluster({ workers: 0, overrides: { tokens: TOKENS, limits: { concurrentExports: 1, queueLength: 1000, jobsPerToken: 2 } } }, async (cluster) => {
    const post = () => postExport(cluster.url, { report: 'numbers' }, ALICE);
    const first = (await (await post()).json()) as JobJson;
    assert.equal((await post()).status, 202);
    const third = await post();
    assert.equal(third.status, 429);
    const error = await errorOf(third);
    assert.equal(error.code, 'SHEETPIPE_ERR_SERVICE_QUOTA');
    assert.match(error.message, /limits\.jobsPerToken allows 2/);
    assert.equal((await postExport(cluster.url, { report: 'numbers' }, BOB)).status, 202, 'another token has its own allowance');
    // Cancelled while queued, the job is kept (as canceled) until retention or a second DELETE removes it.
    assert.equal((await fetch(`${cluster.url}/v1/exports/${first.id}`, { method: 'DELETE', headers: auth(ALICE) })).status, 200);
    assert.equal((await post()).status, 429);
    assert.equal((await fetch(`${cluster.url}/v1/exports/${first.id}`, { method: 'DELETE', headers: auth(ALICE) })).status, 200);
    assert.equal((await post()).status, 202, 'the removed job no longer counts');
  });
});

test('an ACL user limited to its prefix, in the Redis URL, runs the API and a worker (AUTH username password)', { timeout: 90_000 }, async () => {
  const user = `sp-test-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const cli = (...args: string[]) => promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args], { timeout: 5_000 });
  // Only its own keys and channels (prefix = user name), as docs/security.md recommends.
  await cli('ACL', 'SETUSER', user, 'on', `>${password}`, `~${user}:*`, `&${user}:*`, '+@all', '-@dangerous', '+info');
  try {
    await withCluster({ workers: 1, overrides: { tokens: TOKENS }, queue: { url: `redis://${user}:${password}@127.0.0.1:6379`, prefix: user } }, async (cluster) => {
      const response = await postExport(cluster.url, { report: 'numbers', params: { rows: 10 } }, ALICE);
      const job = (await response.json()) as JobJson;
      assert.equal(response.status, 202, JSON.stringify(job));
      const deadline = Date.now() + 60_000;
      let status = job.status;
      while (status !== 'succeeded' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const read = await fetch(`${cluster.url}/v1/exports/${job.id}`, { headers: auth(ALICE) });
        assert.equal(read.status, 200);
        status = ((await read.json()) as JobJson).status;
        assert.notEqual(status, 'failed');
      }
      assert.equal(status, 'succeeded', 'the worker ran the job with the ACL user');
    });
  } finally {
    await cli('ACL', 'DELUSER', user);
  }
});
