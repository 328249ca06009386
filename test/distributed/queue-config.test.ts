import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { createJobQueue } from '../../src/service/distributed/create-job-queue.js';
import { loadDistributedConfig } from '../../src/service/distributed/load-config.js';
import { readQueueConfig, redactedUrl, redisExposure } from '../../src/service/distributed/queue-config.js';

/** Asserts a SHEETPIPE_ERR_SERVICE_CONFIG naming `key`. */
function rejects(raw: unknown, key: string, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(() => readQueueConfig(raw, env), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'), String(error));
    assert.ok(error.message.includes(`at ${key}:`), `${error.message} names ${key}`);
    return true;
  });
}

test('no queue key, or type embedded, is the embedded queue', () => {
  assert.deepEqual(readQueueConfig(undefined), { type: 'embedded' });
  assert.deepEqual(readQueueConfig({}), { type: 'embedded' });
  assert.deepEqual(readQueueConfig({ type: 'embedded' }), { type: 'embedded' });
});

test('a redis queue gets its defaults, and ${ENV} in the URL is expanded', () => {
  assert.deepEqual(readQueueConfig({ type: 'redis' }), {
    type: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'sheetpipe', lockDurationMs: 30_000, attempts: 3,
  });
  const config = readQueueConfig(
    { type: 'redis', url: 'redis://:${REDIS_PASSWORD}@10.0.0.5:6380/2', prefix: 'team-a', lockDurationSeconds: 5.5, attempts: 1 },
    { REDIS_PASSWORD: 's3cret' },
  );
  assert.deepEqual(config, { type: 'redis', url: 'redis://:s3cret@10.0.0.5:6380/2', prefix: 'team-a', lockDurationMs: 5500, attempts: 1 });
  assert.equal(redactedUrl(config.type === 'redis' ? config.url : ''), 'redis://:***@10.0.0.5:6380/2');
});

test('bad queue settings are refused naming the key', () => {
  rejects('redis', 'queue');
  rejects({ type: 'rabbitmq' }, 'queue.type');
  rejects({ type: 'embedded', url: 'redis://x' }, 'queue.url');
  rejects({ type: 'redis', url: 'http://127.0.0.1:6379' }, 'queue.url');
  rejects({ type: 'redis', url: 'not a url' }, 'queue.url');
  rejects({ type: 'redis', url: 'redis://${MISSING}@h' }, 'queue.url');
  rejects({ type: 'redis', prefix: 'has space' }, 'queue.prefix');
  rejects({ type: 'redis', lockDurationSeconds: 0.5 }, 'queue.lockDurationSeconds');
  rejects({ type: 'redis', attempts: 0 }, 'queue.attempts');
  rejects({ type: 'redis', attempts: 1.5 }, 'queue.attempts');
  rejects({ type: 'redis', lockDuration: 5 }, 'queue.lockDuration');
  rejects({ type: 'redis', url: 'redis://h', tls: { caFile: '/x' } }, 'queue.tls');
  rejects({ type: 'redis', url: 'rediss://h', tls: {} }, 'queue.tls.caFile');
  rejects({ type: 'redis', url: 'rediss://h', tls: { caFile: '/no/such/ca.pem' } }, 'queue.tls.caFile');
  rejects({ type: 'redis', url: 'rediss://h', tls: { caFile: '/x', rejectUnauthorized: false } }, 'queue.tls.rejectUnauthorized');
});

test('tls.caFile is read relative to the config folder; plain or password-less Redis off loopback is flagged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-qtls-'));
  try {
    await writeFile(join(dir, 'ca.pem'), 'PEM TEXT');
    const config = readQueueConfig({ type: 'redis', url: 'rediss://u:p@redis.internal:6380', tls: { caFile: './ca.pem', servername: 'redis.internal' } }, {}, dir);
    assert.deepEqual(config.type === 'redis' ? config.tls : undefined, { ca: 'PEM TEXT', servername: 'redis.internal' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal(redisExposure('redis://127.0.0.1:6379'), undefined, 'loopback is fine');
  assert.equal(redisExposure('rediss://u:p@redis.internal:6380'), undefined, 'TLS with a password is fine');
  assert.match(redisExposure('redis://:p@10.0.0.5:6379') ?? '', /without TLS/);
  assert.match(redisExposure('rediss://10.0.0.5:6379') ?? '', /without a password/);
  assert.ok(!(redisExposure('redis://:s3cret@10.0.0.5:6379') ?? '').includes('s3cret'), 'the warning never shows the password');
});

test('loadDistributedConfig reads the queue key beside the service keys; createJobQueue picks by type', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-qcfg-'));
  try {
    const file = join(dir, 'sheetpipe.json');
    const service = { sources: { demo: { url: 'sqlite:./demo.db' } }, storage: { dir: './out' } };
    await writeFile(file, JSON.stringify({ ...service, queue: { type: 'redis', prefix: 'p1' } }));
    const config = await loadDistributedConfig(file);
    assert.equal(config.queue.type, 'redis');
    assert.equal(config.storage.dir, join(dir, 'out'), 'service keys are resolved as loadConfig does');
    assert.equal(typeof (await createJobQueue(config)), 'function');

    await writeFile(file, JSON.stringify(service));
    const embedded = await loadDistributedConfig(file);
    assert.equal(await createJobQueue(embedded), undefined, 'embedded: buildApp keeps its own queue');

    await writeFile(file, JSON.stringify({ ...service, queue: { type: 'redis', attempts: -1 } }));
    await assert.rejects(loadDistributedConfig(file), /queue\.attempts/);
    await writeFile(file, JSON.stringify({ ...service, limits: { concurrentExports: 0 } }));
    await assert.rejects(loadDistributedConfig(file), /limits\.concurrentExports/);
    await writeFile(file, '{ not json');
    await assert.rejects(loadDistributedConfig(file), /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
