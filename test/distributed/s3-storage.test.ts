/**
 * The `s3` storage backend against a real S3-compatible server (s3rver in a child process): multipart uploads
 * invisible until commit and aborted on discard, downloads by presigned redirect and by proxy, signed links,
 * retention, and error messages that name neither the endpoint, the bucket nor a secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SheetpipeError, isSheetpipeError } from '../../src/errors.js';
import { buildApp } from '../../src/service/app.js';
import { createJobQueue } from '../../src/service/distributed/create-job-queue.js';
import { loadDistributedConfig } from '../../src/service/distributed/load-config.js';
import { stderrLogger } from '../../src/service/distributed/stderr-logger.js';
import { LinkSigner } from '../../src/service/delivery/links.js';
import { validateConfig } from '../../src/service/config/validate.js';
import { readS3Config } from '../../src/service/storage/s3-config.js';
import { S3Storage } from '../../src/service/storage/s3-storage.js';
import { until } from '../service/helpers/data.js';
import { auth, postExport, waitForJob, type JobJson } from '../service/helpers/server.js';
import { startCluster } from './helpers/cluster.js';
import { checkNumbersFile } from './helpers/numbers-check.js';
import { S3_BUCKET, startS3Server, type S3Server } from './helpers/s3-server.js';

const MiB = 1024 * 1024;
const LINK_SECRET = 'link-secret-for-s3-tests';

async function withS3(work: (s3: S3Server) => Promise<void>): Promise<void> {
  const s3 = await startS3Server();
  try {
    await work(s3);
  } finally {
    await s3.close();
  }
}

function write(stream: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** Writes `total` random bytes in 256 KiB chunks. */
async function writeRandom(stream: NodeJS.WritableStream, total: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let written = 0; written < total; written += 256 * 1024) {
    const chunk = randomBytes(Math.min(256 * 1024, total - written));
    chunks.push(chunk);
    await write(stream, chunk);
  }
  return Buffer.concat(chunks);
}

test('a multipart upload is invisible until commit; discard aborts it: no object, no pending upload', { timeout: 60_000 }, async () => {
  await withS3(async (s3) => {
    const storage = new S3Storage({ ...s3.config, prefix: 'exports/' });
    try {
      const upload = await storage.create('job-1.csv');
      const bytes = await writeRandom(upload.stream, 11 * MiB);
      upload.stream.end();
      await until(async () => (await s3.pendingUploads()).length === 1, 20_000, 'the multipart upload to start');
      assert.deepEqual(await s3.objects(), [], 'nothing is visible before commit, not even after the export ended its stream');
      // The one Output interface (util/output.ts): commit makes it final, `bytes` is its size.
      await upload.commit();
      assert.equal(upload.bytes, bytes.length);
      assert.deepEqual(await s3.objects(), ['exports/job-1.csv']);
      assert.deepEqual(await s3.pendingUploads(), []);
      const read = await storage.open('job-1.csv');
      assert.ok(read);
      const chunks: Buffer[] = [];
      for await (const chunk of read.body) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(bytes), 'the object holds exactly the bytes written, in order');
      assert.equal(await storage.size('job-1.csv'), bytes.length);

      const aborted = await storage.create('job-2.xlsx');
      await writeRandom(aborted.stream, 7 * MiB);
      await until(async () => (await s3.pendingUploads()).length === 1, 20_000, 'the second multipart upload to start');
      await aborted.discard();
      assert.deepEqual(await s3.pendingUploads(), [], 'AbortMultipartUpload was sent before discard resolved');
      assert.deepEqual(await s3.objects(), ['exports/job-1.csv'], 'no partial object');
      await assert.rejects(aborted.commit(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));

      // A small export is one PutObject on commit.
      const small = await storage.create('job-3.csv');
      await write(small.stream, Buffer.from('a,b\n1,2\n'));
      small.stream.end();
      await small.commit();
      assert.equal(small.bytes, 8);
      await storage.remove('job-3.csv');
      await storage.remove('job-3.csv');
      assert.deepEqual(await s3.objects(), ['exports/job-1.csv'], 'remove deletes the object (and a second remove is harmless)');
      assert.throws(() => storage.objectKey('../escape.csv'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
    } finally {
      storage.close();
    }
  });
});

test('errors name the operation and the S3 code, never the endpoint, the bucket or a secret', { timeout: 60_000 }, async () => {
  await withS3(async (s3) => {
    const secret = 'SECRET-VALUE-7f3a';
    const leaks = (error: unknown): boolean => {
      const text = `${(error as Error).message} ${JSON.stringify((error as SheetpipeError).details ?? {})}`;
      return [s3.endpoint, '127.0.0.1', 'missing-bucket', S3_BUCKET, secret].some((part) => text.includes(part));
    };
    const wrongBucket = new S3Storage({ ...s3.config, bucket: 'missing-bucket' });
    const upload = await wrongBucket.create('a.csv');
    await write(upload.stream, Buffer.from('x'));
    await assert.rejects(upload.commit(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT') && /NoSuchBucket/.test((error as Error).message) && !leaks(error));
    wrongBucket.close();

    const badSecret = new S3Storage({ ...s3.config, credentials: { accessKeyId: 'nobody', secretAccessKey: secret } });
    await assert.rejects(badSecret.open('a.csv'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_OBJECT_STORE') && /InvalidAccessKeyId/.test((error as Error).message) && !leaks(error));
    badSecret.close();

    await s3.kill();
    const down = new S3Storage(s3.config);
    await assert.rejects(down.remove('a.csv'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_OBJECT_STORE') && /ECONNREFUSED/.test((error as Error).message) && !leaks(error));
    down.close();
  });
});

test('config: storage.s3 is read with secrets from the environment; bad keys are named, values never', () => {
  const env = { S3_KEY: 'AKIAEXAMPLE', S3_SECRET: 'very-secret', S3_HOST: 'minio.internal:9000' };
  const config = readS3Config({ bucket: 'reports', endpoint: 'http://${S3_HOST}', accessKeyIdEnv: 'S3_KEY', secretAccessKey: '${S3_SECRET}' }, env);
  assert.deepEqual(config, {
    bucket: 'reports', region: 'us-east-1', endpoint: 'http://minio.internal:9000', forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret' }, prefix: '', presignSeconds: 900, download: 'redirect',
  });
  const bad = (raw: unknown, key: string): void => assert.throws(() => readS3Config(raw, env), (error: unknown) =>
    isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG') && (error as Error).message.includes(key) && !(error as Error).message.includes('very-secret'));
  bad({ bucket: 'Bad_Bucket' }, 'storage.s3.bucket');
  bad({ bucket: 'reports', download: 'stream' }, 'storage.s3.download');
  bad({ bucket: 'reports', endpoint: 'http://user:very-secret@host' }, 'storage.s3.endpoint');
  bad({ bucket: 'reports', secretAccessKeyEnv: 'S3_SECRET' }, 'storage.s3.accessKeyId');
  bad({ bucket: 'reports', accessKeyIdEnv: 'NOT_SET', secretAccessKey: 'x' }, 'storage.s3.accessKeyIdEnv');
  bad({ bucket: 'reports', prefix: '/abs' }, 'storage.s3.prefix');
  bad({ bucket: 'reports', presignSeconds: 700_000 }, 'storage.s3.presignSeconds');
});

test('a single process refuses storage.s3 with a config error that names the alternative', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-s3-embedded-'));
  try {
    const config = validateConfig({ sources: { demo: { url: 'sqlite::memory:' } }, storage: { dir, s3: { bucket: 'reports' } } }, { baseDir: dir, defaultMemoryLimitMb: 512 });
    await assert.rejects(buildApp(config), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG') && /storage\.s3.*"redis".*storage\.dir/.test((error as Error).message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Another API on the cluster's Redis prefix, with `s3` overrides (download mode) and `storage` overrides (retention). */
async function secondApi(configFile: string, raw: Record<string, unknown>, storage: Record<string, unknown>): Promise<{ app: FastifyInstance; url: string }> {
  const file = `${configFile}.${randomBytes(3).toString('hex')}.json`;
  await writeFile(file, JSON.stringify({ ...raw, storage: { ...(raw.storage as object), ...storage } }));
  const config = await loadDistributedConfig(file);
  const factory = await createJobQueue(config);
  assert.ok(factory);
  const app = await buildApp(config, { createQueue: (parts) => factory({ ...parts, log: stderrLogger('warn') }) });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

test('distributed on S3: a worker uploads, the API answers 302 to a presigned URL (or proxies), links presign afresh, retention deletes the object', { timeout: 90_000 }, async () => {
  await withS3(async (s3) => {
    const storage = { dir: './exports', s3: { ...s3.configJson, prefix: 'out/' } };
    const cluster = await startCluster({ workers: 1, overrides: { storage, links: { secret: LINK_SECRET } } });
    const work = await mkdtemp(join(tmpdir(), 'sheetpipe-s3-read-'));
    try {
      const job = (await (await postExport(cluster.url, { report: 'numbers', params: { rows: 5000 }, filename: 'Zahlen März' })).json()) as JobJson;
      const done = await waitForJob(cluster.url, job.id, (j) => j.status === 'succeeded' || j.status === 'failed', 60_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(await s3.objects(), [`out/${job.id}.xlsx`], 'the worker uploaded the file as an object');
      assert.deepEqual(await s3.pendingUploads(), []);

      const redirect = await fetch(`${cluster.url}/v1/exports/${job.id}/file`, { headers: auth(), redirect: 'manual' });
      assert.equal(redirect.status, 302);
      const location = redirect.headers.get('location') ?? '';
      assert.match(location, /X-Amz-Signature=/, 'a presigned URL');
      assert.match(location, /X-Amz-Expires=900/, 'valid presignSeconds');
      const object = await fetch(location);
      assert.equal(object.status, 200);
      assert.equal(object.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.match(object.headers.get('content-disposition') ?? '', /filename\*=UTF-8''Zahlen%20M%C3%A4rz\.xlsx/);
      const bytes = Buffer.from(await object.arrayBuffer());
      const file = join(work, 'redirect.xlsx');
      await writeFile(file, bytes);
      const check = await checkNumbersFile(file, 5000, 'Numbers');
      assert.equal(check.code, 0, check.output);

      // The sheetpipe link (webhooks, email) issues a fresh presigned URL whenever it is opened.
      const link = new LinkSigner(await loadDistributedConfig(cluster.configFile)).sign(job.id, Date.now());
      const opened = await fetch(link.url.replace(/^http:\/\/[^/]+/, cluster.url), { redirect: 'manual' });
      assert.equal(opened.status, 302);
      assert.match(opened.headers.get('location') ?? '', /X-Amz-Signature=/);
      assert.ok(Buffer.from(await (await fetch(opened.headers.get('location') ?? '')).arrayBuffer()).equals(bytes), 'the link serves the same object');

      const raw = JSON.parse(await readFile(cluster.configFile, 'utf8')) as Record<string, unknown>;
      const proxy = await secondApi(cluster.configFile, raw, { s3: { ...storage.s3, download: 'proxy' } });
      try {
        const streamed = await fetch(`${proxy.url}/v1/exports/${job.id}/file`, { headers: auth(), redirect: 'manual' });
        assert.equal(streamed.status, 200, 'proxy mode streams the object through the API');
        assert.equal(streamed.headers.get('content-length'), String(bytes.length));
        assert.match(streamed.headers.get('content-disposition') ?? '', /^attachment; filename="Zahlen M_rz\.xlsx"/);
        assert.ok(Buffer.from(await streamed.arrayBuffer()).equals(bytes));
        const part = await fetch(`${proxy.url}/v1/exports/${job.id}/file`, { headers: { ...auth(), range: 'bytes=0-3' } });
        assert.equal(part.status, 206);
        assert.deepEqual([...Buffer.from(await part.arrayBuffer())], [...bytes.subarray(0, 4)]);
      } finally {
        await proxy.app.close();
      }

      // Retention (here a second API with 2 s) deletes the record and the object.
      const sweeper = await secondApi(cluster.configFile, raw, { retentionHours: 2 / 3600 });
      try {
        await until(async () => (await s3.objects()).length === 0, 30_000, 'retention to delete the object');
        assert.equal((await fetch(`${cluster.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 404);
      } finally {
        await sweeper.app.close();
      }
    } finally {
      await cluster.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
