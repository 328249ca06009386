/**
 * Distributed mode on S3 storage, no shared directory: two `sheetpipe worker` processes upload to a real
 * S3-compatible server (s3rver), the API serves and delivers from the bucket. A worker SIGKILLed mid-export
 * is taken over and the export delivered exactly once (webhook + email with the file attached from S3);
 * an object store that dies mid-upload fails the job cleanly (retried, then failed), leaving no object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '../../src/webhooks.js';
import type { DistributedJobRecord } from '../../src/service/distributed/job-data.js';
import { until } from '../service/helpers/data.js';
import { SMTP_PASSWORD, SMTP_USER, attachmentsOf, startSmtpReceiver, startWebhookReceiver } from '../service/helpers/receivers.js';
import { auth, postExport, waitForJob, type JobJson } from '../service/helpers/server.js';
import { NUMBERS_SQL, startCluster, type Cluster } from './helpers/cluster.js';
import { checkNumbersFile } from './helpers/numbers-check.js';
import { attemptsMade } from './helpers/redis.js';
import { startS3Server } from './helpers/s3-server.js';

const SECRET = 'whsec_s3_cluster';
/** The numbers, paced: 0.2 s every 5,000 rows, so a 100,000-row export runs at least 4 s and a kill lands mid-export. */
const SLOW_NUMBERS_SQL = `${NUMBERS_SQL} where g % 5000 <> 0 or pg_sleep(0.2) is not null`;

async function withDiagnostics(cluster: Cluster, work: (cluster: Cluster) => Promise<void>): Promise<void> {
  try {
    await work(cluster);
  } catch (error) {
    for (const worker of cluster.workers) process.stderr.write(`--- worker ${worker.name} output:\n${worker.output()}\n`);
    throw error;
  }
}

test('two workers on S3: SIGKILL mid-export, the other worker finishes it; one object; delivered once by webhook and email', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-s3-cluster-'));
  const s3 = await startS3Server();
  const hook = await startWebhookReceiver();
  const smtp = await startSmtpReceiver(dir);
  process.env.SHEETPIPE_TEST_SMTP_PASSWORD = SMTP_PASSWORD;
  const rows = 100_000;
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({
      workers: 2,
      reports: { delivered: { source: 'pg', query: SLOW_NUMBERS_SQL, params: { rows: { type: 'integer', default: rows } }, sheet: 'Numbers', deliveries: ['hook', 'mail'] } },
      overrides: {
        storage: { dir: './exports', s3: s3.configJson },
        deliveries: {
          hook: { type: 'webhook', url: hook.url, secret: SECRET, maxAttempts: 3, backoffSeconds: 0.05 },
          mail: { type: 'email', to: ['ops@example.com'], maxAttempts: 3, backoffSeconds: 0.05 },
        },
        smtp: { host: '127.0.0.1', port: smtp.port, caFile: smtp.caFile, user: SMTP_USER, passwordEnv: 'SHEETPIPE_TEST_SMTP_PASSWORD', from: 'sheetpipe@example.com' },
      },
    });
    await withDiagnostics(cluster, async (cluster) => {
      const job = (await (await postExport(cluster.url, { report: 'delivered', deliver: ['hook', 'mail'] })).json()) as JobJson;
      let running: DistributedJobRecord | undefined;
      await until(async () => ((running = await cluster.queue.get(job.id))?.rows ?? 0) >= 10_000, 60_000, 'the export to be under way');
      const victim = cluster.workers.find((worker) => worker.name === running?.worker);
      assert.ok(victim, `the job runs on a worker process (${running?.worker})`);
      t.diagnostic(`killing ${victim.name} at ${running?.rows} rows`);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      assert.equal(await victim.exited, 'SIGKILL');

      const done = await waitForJob(cluster.url, job.id, (j) => j.status === 'succeeded' || j.status === 'failed', 90_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.equal(done.rows, rows);
      const record = await cluster.queue.get(job.id);
      assert.equal(record?.worker, cluster.workers.find((worker) => worker !== victim)?.name, 'the other worker ran it to the end');
      assert.ok((record?.startedAt ?? 0) >= killedAt, 'a re-run from the start');
      assert.deepEqual(await s3.objects(), [`${job.id}.xlsx`], 'one object, no partial one');

      await until(() => hook.received.length >= 1 && smtp.mails.length >= 1, 60_000, 'the webhook and the mail');
      const payload = JSON.parse(hook.received[0]?.body.toString() ?? '{}') as { export: { id: string; status: string; bytes: number; downloadUrl: string } };
      assert.ok(verifyWebhook(SECRET, hook.received[0]?.headers['sheetpipe-signature'], hook.received[0]?.body ?? Buffer.alloc(0)).ok);
      assert.deepEqual([payload.export.id, payload.export.status], [job.id, 'succeeded']);
      const [attachment] = attachmentsOf(smtp.mails[0]?.raw ?? '');
      assert.ok(attachment, 'the mail carries the file, read from the bucket');
      assert.equal(attachment.content.length, payload.export.bytes);
      const file = join(dir, 'attached.xlsx');
      await writeFile(file, attachment.content);
      const check = await checkNumbersFile(file, rows, 'Numbers');
      assert.equal(check.code, 0, check.output);

      // The link in the webhook presigns afresh and serves the same bytes.
      const opened = await fetch(payload.export.downloadUrl, { redirect: 'manual' });
      assert.equal(opened.status, 302);
      const viaLink = Buffer.from(await (await fetch(opened.headers.get('location') ?? '')).arrayBuffer());
      assert.ok(viaLink.equals(attachment.content));

      // Exactly once: a re-run after the kill delivers the finished job once per target.
      await until(async () => ((await (await fetch(`${cluster.url}/v1/exports/${job.id}`, { headers: auth() })).json()) as { delivery?: { status: string } }).delivery?.status === 'delivered', 30_000, 'the delivery to be recorded');
      assert.equal(hook.received.length, 1, 'one webhook');
      assert.equal(smtp.mails.length, 1, 'one mail');
    });
  } finally {
    await cluster?.close();
    await Promise.all([hook.close(), smtp.close(), s3.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a cancelled export aborts its multipart upload; the object store dying mid-upload fails the job cleanly (retried, then failed); no object; the worker lives', { timeout: 120_000 }, async (t) => {
  const s3 = await startS3Server();
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({ workers: 1, overrides: { storage: { dir: './exports', s3: s3.configJson } } });
    await withDiagnostics(cluster, async (cluster) => {
      // DELETE while parts are uploaded: the worker aborts the multipart upload before the job is cancelled.
      const canceled = (await (await postExport(cluster.url, { report: 'numbers', params: { rows: 3_000_000 }, format: 'csv' })).json()) as JobJson;
      await until(async () => (await s3.pendingUploads()).length === 1, 60_000, 'a multipart upload to be under way');
      const deleted = await fetch(`${cluster.url}/v1/exports/${canceled.id}`, { method: 'DELETE', headers: auth() });
      assert.equal(deleted.status, 200);
      assert.equal(((await deleted.json()) as JobJson).status, 'canceled');
      assert.deepEqual(await s3.pendingUploads(), [], 'the upload was aborted before the cancel was confirmed');
      assert.deepEqual(await s3.objects(), []);

      // Large enough that the first 5 MiB part is uploaded after the store is gone.
      const job = (await (await postExport(cluster.url, { report: 'numbers', params: { rows: 2_000_000 }, format: 'csv' })).json()) as JobJson;
      await until(async () => ((await cluster.queue.get(job.id))?.rows ?? 0) >= 10_000, 60_000, 'the export to be under way');
      await s3.kill();
      const failedAt = Date.now();
      const done = await waitForJob(cluster.url, job.id, (j) => j.status === 'succeeded' || j.status === 'failed', 100_000);
      t.diagnostic(`failed ${Date.now() - failedAt} ms after the store died: ${JSON.stringify(done.error)}`);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'SHEETPIPE_ERR_PIPELINE_OUTPUT');
      assert.equal(await attemptsMade(cluster.prefix, job.id), 2, 'retried once (queue.attempts 2), then failed');
      const record = await cluster.queue.get(job.id);
      assert.doesNotMatch(JSON.stringify(record?.error), /127\.0\.0\.1|sheetpipe-test|S3RVER/, 'the error names neither the endpoint, the bucket nor credentials');
      assert.deepEqual(await s3.objects(), [], 'no object, partial or whole');
      assert.equal(cluster.workers[0]?.child.exitCode, null, 'the worker process lives');
      assert.equal((await fetch(`${cluster.url}/v1/exports/${job.id}/file`, { headers: auth() })).status, 410);
    });
  } finally {
    await cluster?.close();
    await s3.close();
  }
});
