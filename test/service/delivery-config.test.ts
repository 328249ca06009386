/** The deliveries, smtp and links sections: every mistake names its key; and the retry schedule's backoff and jitter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { validateConfig } from '../../src/service/config/validate.js';
import { DeliveryStore } from '../../src/service/delivery/delivery-store.js';
import { LinkSigner } from '../../src/service/delivery/links.js';
import { DeliveryManager } from '../../src/service/delivery/manager.js';
import { createSender } from '../../src/service/delivery/send.js';
import { JobFiles } from '../../src/service/jobs/files.js';
import type { JobRecord } from '../../src/service/jobs/types.js';
import { until } from './helpers/data.js';
import { startWebhookReceiver } from './helpers/receivers.js';
import { makeTempDir, removeDir } from './helpers/server.js';

const base = (extra: Record<string, unknown>): Record<string, unknown> => ({
  sources: { demo: { url: 'sqlite::memory:' } },
  reports: { orders: { source: 'demo', table: 'orders' } },
  ...extra,
});
const load = (raw: unknown, env: NodeJS.ProcessEnv = {}) => validateConfig(raw, { baseDir: '/tmp', env, defaultMemoryLimitMb: 1024 });
const hook = { type: 'webhook', url: 'https://hooks.example.com/x', secret: 's' };

test('delivery config errors name the key', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ deliveries: { h: { ...hook, secret: undefined } } }, /deliveries\.h: give secret or secretEnv/],
    [{ deliveries: { h: { ...hook, url: 'file:///etc/passwd' } } }, /deliveries\.h\.url: expected an http/],
    [{ deliveries: { h: { ...hook, secret: undefined, secretEnv: 'NOPE' } } }, /deliveries\.h\.secretEnv: environment variable NOPE is not set/],
    [{ deliveries: { h: { ...hook, colour: 1 } } }, /deliveries\.h\.colour: unknown key/],
    [{ deliveries: { h: { type: 'pigeon' } } }, /deliveries\.h\.type: expected "webhook" or "email"/],
    [{ deliveries: { m: { type: 'email', to: ['not an address'] } } }, /deliveries\.m\.to\[0\]: expected an email address/],
    [{ deliveries: { m: { type: 'email', to: ['a@example.com'] } } }, /deliveries\.m: an email delivery needs the smtp section/],
    [{ reports: { orders: { source: 'demo', table: 'orders', deliveries: ['missing'] } } }, /reports\.orders\.deliveries\[0\]: no delivery named "missing"/],
    [{ schedules: [{ cron: '0 3 * * *', report: 'orders', deliver: ['missing'] }] }, /schedules\[0\]\.deliver\[0\]: no delivery named "missing"/],
    [{ schedules: [{ cron: '0 3 * * *', report: 'orders', name: 'a' }, { cron: '0 4 * * *', report: 'orders', name: 'a' }] }, /schedules\[1\]\.name: the name "a" is used by another schedule/],
    [{ links: { ttlHours: 0 } }, /links\.ttlHours: must be greater than 0/],
    [{ smtp: { host: 'mail', from: 'nobody' } }, /smtp\.from: expected an email address/],
  ];
  for (const [extra, message] of cases) {
    assert.throws(() => load(base(extra)), (error: Error & { code?: string }) => error.code === 'SHEETPIPE_ERR_SERVICE_CONFIG' && message.test(error.message), String(message));
  }
  const config = load(base({
    deliveries: { h: { ...hook, secret: undefined, secretEnv: 'HOOK', url: 'https://${HOST}/x' } },
    schedules: [{ cron: '0 3 * * *', report: 'orders', deliver: ['h'] }],
  }), { HOOK: 'from-env', HOST: 'hooks.example.com' });
  assert.deepEqual(config.delivery.targets.get('h'), {
    type: 'webhook', name: 'h', url: 'https://hooks.example.com/x', secret: 'from-env', maxAttempts: 5, backoffSeconds: 2, maxBackoffSeconds: 600, timeoutSeconds: 10,
  });
  assert.equal(config.schedules[0]?.name, 'orders#0');
  assert.equal(config.delivery.links.ttlHours, 168);
});

test('retries wait min(backoff · 2^(n−1), max) scaled by the jitter draw: exponential, capped, randomised', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir();
  const receiver = await startWebhookReceiver([], 500);
  try {
    const config = load(base({
      storage: { dir },
      deliveries: { h: { ...hook, url: receiver.url, maxAttempts: 5, backoffSeconds: 0.2, maxBackoffSeconds: 0.5 } },
    }));
    const job: JobRecord = {
      id: '00000000-0000-4000-8000-000000000001', report: 'orders', source: null, query: null, params: {}, format: 'csv', filename: null,
      origin: 'api', owner: null, trace: null, deliver: ['h'], status: 'succeeded', rows: 1, bytes: 1, createdAt: Date.now(),
      startedAt: Date.now(), finishedAt: Date.now(), error: null,
    };
    const run = async (draw: number): Promise<number[]> => {
      receiver.received.length = 0;
      const store = new DeliveryStore(join(dir, String(draw)));
      const links = new LinkSigner(config);
      const manager = new DeliveryManager({
        config, store, links, getJob: async () => job, send: createSender(config, new JobFiles(dir), links), log: { info() {}, warn() {}, error() {} } as never,
        random: () => draw,
      });
      manager.onFinished(job);
      await until(() => manager.statusOf(job)?.status === 'failed', 30_000, 'the delivery to give up');
      await manager.close();
      store.close();
      assert.equal(receiver.received.length, 5);
      return receiver.received.slice(1).map((call, index) => call.at - (receiver.received[index]?.at ?? 0));
    };
    // The full draw: 200, 400, then capped at 500 ms twice.
    const full = await run(1);
    [200, 400, 500, 500].forEach((floor, index) => assert.ok((full[index] ?? 0) >= floor - 5, `gap ${index + 1} ${full[index]} ms ≥ ${floor} ms: ${full}`));
    // A zero draw: no wait at all (full jitter may retry at once), far below the full draw's gaps.
    const none = await run(0);
    assert.ok(none.reduce((a, b) => a + b, 0) < full.reduce((a, b) => a + b, 0) - 1000, `${none} vs ${full}`);
  } finally {
    await receiver.close();
    await removeDir(dir);
  }
});

test('at most 8 attempts run at once; the rest wait their turn and are all delivered', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir();
  let open = 0;
  let most = 0;
  let served = 0;
  // A slow receiver: each answer is held 200 ms, so overlapping attempts are visible.
  const server = createServer((_request, response) => {
    open++;
    most = Math.max(most, open);
    setTimeout(() => {
      open--;
      served++;
      response.writeHead(204).end();
    }, 200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const config = load(base({ storage: { dir }, deliveries: { h: { ...hook, url } } }));
    const store = new DeliveryStore(dir);
    const links = new LinkSigner(config);
    const jobs = Array.from({ length: 20 }, (_, index): JobRecord => ({
      id: `00000000-0000-4000-8000-0000000000${String(index).padStart(2, '0')}`, report: 'orders', source: null, query: null, params: {},
      format: 'csv', filename: null, origin: 'schedule', owner: null, trace: null, deliver: ['h'], status: 'succeeded', rows: 1, bytes: 1,
      createdAt: Date.now(), startedAt: Date.now(), finishedAt: Date.now(), error: null,
    }));
    const manager = new DeliveryManager({
      config, store, links, getJob: async (id) => jobs.find((job) => job.id === id), send: createSender(config, new JobFiles(dir), links),
      log: { info() {}, warn() {}, error() {} } as never,
    });
    for (const job of jobs) manager.onFinished(job);
    await until(() => jobs.every((job) => manager.statusOf(job)?.status === 'delivered'), 30_000, 'all 20 deliveries');
    await manager.close();
    store.close();
    assert.equal(served, 20);
    assert.ok(most <= 8, `${most} attempts overlapped`);
    assert.ok(most >= 2, `attempts do run in parallel (${most})`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await removeDir(dir);
  }
});
