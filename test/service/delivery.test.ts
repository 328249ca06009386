/**
 * Delivery against real peers started here: a loopback HTTP receiver for webhooks and an SMTP server
 * (smtp-server, STARTTLS on a self-signed certificate, AUTH). Signatures are checked with exactly the
 * function the package ships (`sheetpipe/webhooks`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyWebhook } from '../../src/webhooks.js';
import { makeSqliteOrders, until } from './helpers/data.js';
import { SMTP_PASSWORD, SMTP_USER, attachmentsOf, startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './helpers/receivers.js';
import { TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';
import { orderRows, range, xlsxCheck } from './helpers/xlsx-check.js';
import { assertNoInternals } from './helpers/no-internals.js';

const SECRET = 'whsec_test_0123456789';
process.env.SHEETPIPE_TEST_HOOK_SECRET = SECRET;
process.env.SHEETPIPE_TEST_SMTP_PASSWORD = SMTP_PASSWORD;

interface Delivery { status: string; targets: { name: string; type: string; status: string; attempts: { ok: boolean; status?: number; error?: { code: string; message: string } }[] }[] }
type DeliveredJob = JobJson & { delivery: Delivery };

function config(dir: string, hook: WebhookReceiver | string, smtp: SmtpReceiver | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  makeSqliteOrders(join(dir, 'demo.db'), 20);
  const retry = { maxAttempts: 3, backoffSeconds: 0.05, maxBackoffSeconds: 0.2 };
  return {
    sources: { demo: { url: 'sqlite:./demo.db' } },
    reports: { orders: { source: 'demo', query: 'select * from orders order by id', sheet: 'Orders', deliveries: ['hook', 'mail'] } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    deliveries: {
      hook: { type: 'webhook', url: typeof hook === 'string' ? hook : hook.url, secretEnv: 'SHEETPIPE_TEST_HOOK_SECRET', ...retry },
      ...(smtp ? { mail: { type: 'email', to: ['ops@example.com', 'cfo@example.com'], ...retry } } : {}),
    },
    ...(smtp ? { smtp: { host: '127.0.0.1', port: smtp.port, caFile: smtp.caFile, user: SMTP_USER, passwordEnv: 'SHEETPIPE_TEST_SMTP_PASSWORD', from: 'sheetpipe@example.com' } } : {}),
    ...extra,
  };
}

async function jobOf(url: string, id: string): Promise<DeliveredJob> {
  return (await (await fetch(`${url}/v1/exports/${id}`, { headers: auth() })).json()) as DeliveredJob;
}

async function waitForDelivery(url: string, id: string, done: (delivery: Delivery) => boolean): Promise<DeliveredJob> {
  let job: DeliveredJob | undefined;
  await until(async () => {
    job = await jobOf(url, id);
    return job.delivery !== undefined && job.delivery !== null && done(job.delivery);
  }, 60_000, `the delivery of ${id}`);
  return job as DeliveredJob;
}

test('a scheduled export is delivered by webhook and email at once; signatures and links check', { timeout: 180_000 }, async () => {
  const dir = await makeTempDir();
  const hook = await startWebhookReceiver();
  const smtp = await startSmtpReceiver(dir);
  try {
    // Due once, a few seconds from now (6-field cron with a fixed second).
    const second = (new Date().getUTCSeconds() + 3) % 60;
    const server = await startServer(dir, config(dir, hook, smtp, {
      schedules: [{ name: 'nightly', cron: `${second} * * * * *`, report: 'orders', jitterSeconds: 0, deliver: ['hook', 'mail'] }],
    }));
    try {
      await until(() => hook.received.length >= 1 && smtp.mails.length >= 1, 60_000, 'the webhook and the mail');
      const call = hook.received[0] as (typeof hook.received)[number];
      const body = call.body.toString();
      const payload = JSON.parse(body) as { id: string; type: string; export: Record<string, any> };
      const jobId = payload.export.id as string;

      // The webhook: signed, and the documented verification refuses tampering and replays.
      const header = call.headers['sheetpipe-signature'] as string;
      assert.deepEqual(verifyWebhook(SECRET, header, body).ok, true);
      assert.equal(verifyWebhook(SECRET, header, call.body).ok, true, 'raw bytes verify too');
      const tampered = header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
      assert.deepEqual(verifyWebhook(SECRET, tampered, body), { ok: false, reason: 'no signature matches' });
      assert.equal(verifyWebhook(SECRET, header, body.replace('"rows":20', '"rows":21')).ok, false, 'a changed body fails');
      assert.equal(verifyWebhook('another-secret', header, body).ok, false);
      const late = verifyWebhook(SECRET, header, body, { now: Date.now() + 10 * 60_000 });
      assert.deepEqual(late, { ok: false, reason: 'timestamp outside the tolerance of 300 s' });
      assert.equal(verifyWebhook(SECRET, undefined, body).ok, false);
      assert.equal(call.headers['sheetpipe-delivery'], `${jobId}:hook`);
      assert.equal(call.headers['sheetpipe-event'], 'export.succeeded');
      assert.equal(payload.type, 'export.succeeded');
      assert.equal(payload.id, `${jobId}:hook`);
      assert.deepEqual(
        { report: payload.export.report, schedule: payload.export.schedule, status: payload.export.status, rows: payload.export.rows, error: payload.export.error },
        { report: 'orders', schedule: 'nightly', status: 'succeeded', rows: 20, error: null },
      );
      assert.ok(payload.export.bytes > 0);
      const expires = Date.parse(payload.export.downloadExpiresAt as string);
      assert.ok(Math.abs(expires - Date.now() - 7 * 24 * 3_600_000) < 120_000, 'links last 7 days by default');

      // The mail: to the configured recipients, with the file attached; the file is what the readers expect.
      const mail = smtp.mails[0] as SmtpReceiver['mails'][number];
      assert.deepEqual(mail.to.sort(), ['cfo@example.com', 'ops@example.com']);
      assert.equal(mail.from, 'sheetpipe@example.com');
      assert.deepEqual([mail.secure, mail.user], [true, SMTP_USER], 'sent over STARTTLS (certificate checked against smtp.caFile), authenticated');
      const [attachment] = attachmentsOf(mail.raw);
      assert.ok(attachment, 'the mail carries an attachment');
      assert.equal(attachment.filename, `orders-${jobId}.xlsx`);
      const attached = join(dir, 'attached.xlsx');
      await writeFile(attached, attachment.content);
      const check = await xlsxCheck(attached, 'Orders', orderRows(range(1, 20)), 'zip,openpyxl');
      assert.equal(check.code, 0, check.output);

      // The signed link serves the same file without a token; a tampered one is 404.
      const link = await fetch(payload.export.downloadUrl as string);
      assert.equal(link.status, 200);
      assert.deepEqual(Buffer.from(await link.arrayBuffer()), attachment.content);
      const good = payload.export.downloadUrl as string;
      const [, prefix, expiry, mac] = /^(.*\/v1\/links\/[0-9a-f-]{36}\.)(\d+)\.(.+)$/.exec(good) as unknown as [string, string, string, string];
      const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const forgeries = [
        `${prefix}${expiry}.${flip(mac, 20)}`, // a changed MAC
        `${prefix}${expiry}.${flip(mac, mac.length - 1)}`, // the same MAC bytes in a non-canonical spelling
        `${prefix}${Number(expiry) + 86_400}.${mac}`, // a longer life
        good.replace(jobId, jobId.replace(/.$/, (c) => (c === '0' ? '1' : '0'))), // another job
      ];
      for (const forged of forgeries) {
        const refused = await fetch(forged);
        assert.equal(refused.status, 404, forged);
        assert.equal((await errorOf(refused)).code, 'SHEETPIPE_ERR_SERVICE_NOT_FOUND');
      }

      // The operator sees every attempt on the job and in the listing.
      const job = await waitForDelivery(server.url, jobId, (delivery) => delivery.status === 'delivered');
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.delivery.targets.map((target) => [target.name, target.type, target.status, target.attempts.length]),
        [['hook', 'webhook', 'delivered', 1], ['mail', 'email', 'delivered', 1]]);
      assert.equal(job.delivery.targets[0]?.attempts[0]?.status, 200);
      assert.equal(job.delivery.targets[1]?.attempts[0]?.status, 250);
      const listed = (await (await fetch(`${server.url}/v1/exports?schedule=nightly`, { headers: auth() })).json()) as { exports: DeliveredJob[] };
      assert.equal(listed.exports[0]?.delivery.status, 'delivered');
    } finally {
      await server.close();
    }
  } finally {
    await Promise.all([hook.close(), smtp.close()]);
    await removeDir(dir);
  }
});

test('faults: webhook 500 twice then 200 is three attempts; a refusing SMTP server and a dead webhook fail the delivery, never the export', { timeout: 180_000 }, async () => {
  const dir = await makeTempDir();
  const hook = await startWebhookReceiver([500, 500]);
  const smtp = await startSmtpReceiver(dir);
  try {
    const server = await startServer(dir, config(dir, hook, smtp, { links: { ttlHours: 0.001 } }));
    try {
      // Clients pick configured deliveries by name; a URL or an unlisted name is refused before a job exists.
      for (const deliver of [['http://127.0.0.1:9/x'], ['nope'], 'hook']) {
        const response = await postExport(server.url, { report: 'orders', deliver });
        assert.equal(response.status, 400, JSON.stringify(deliver));
        assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST');
      }

      const accepted = (await (await postExport(server.url, { report: 'orders', deliver: ['hook'] })).json()) as DeliveredJob;
      assert.equal(accepted.delivery.status, 'pending');
      const flaky = await waitForDelivery(server.url, accepted.id, (delivery) => delivery.status !== 'pending');
      assert.equal(flaky.status, 'succeeded');
      assert.equal(flaky.delivery.status, 'delivered');
      const attempts = flaky.delivery.targets[0]?.attempts ?? [];
      assert.deepEqual(attempts.map((attempt) => [attempt.ok, attempt.status]), [[false, 500], [false, 500], [true, 200]]);
      assert.equal(attempts[0]?.error?.code, 'SHEETPIPE_ERR_DELIVERY_WEBHOOK');
      assert.equal(hook.received.length, 3);
      assert.equal(new Set(hook.received.map((call) => call.headers['sheetpipe-delivery'])).size, 1, 'one idempotency key for all attempts');
      assert.ok(hook.received.every((call) => verifyWebhook(SECRET, call.headers['sheetpipe-signature'], call.body).ok));

      // The link expires after links.ttlHours (here 3.6 s): 410 with its own code.
      const url = (JSON.parse(hook.received[2]?.body.toString() ?? '{}') as { export: { downloadUrl: string } }).export.downloadUrl;
      assert.equal((await fetch(url)).status, 200);
      let expired: Response | undefined;
      await until(async () => (expired = await fetch(url)).status === 410, 10_000, 'the link to expire');
      assert.equal((await errorOf(expired as Response)).code, 'SHEETPIPE_ERR_SERVICE_LINK_EXPIRED');

      // The SMTP server refuses every recipient: retried, then failed; the export stays succeeded.
      smtp.refuse = true;
      const mailed = (await (await postExport(server.url, { report: 'orders', deliver: ['mail'] })).json()) as DeliveredJob;
      const refused = await waitForDelivery(server.url, mailed.id, (delivery) => delivery.status !== 'pending');
      assert.equal(refused.status, 'succeeded');
      assert.equal(refused.delivery.status, 'failed');
      const mailAttempts = refused.delivery.targets[0]?.attempts ?? [];
      assert.equal(mailAttempts.length, 3);
      assert.ok(mailAttempts.every((attempt) => !attempt.ok && attempt.status === 550 && attempt.error?.code === 'SHEETPIPE_ERR_DELIVERY_EMAIL'));
      assert.ok(smtp.refusals >= 3);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^sheetpipe_delivery_attempts_total\{type="webhook",outcome="retry"\} 2$/m);
      assert.match(metrics, /^sheetpipe_delivery_attempts_total\{type="webhook",outcome="delivered"\} 1$/m);
      assert.match(metrics, /^sheetpipe_delivery_attempts_total\{type="email",outcome="failed"\} 1$/m);
      assert.equal(smtp.mails.length, 0);
      assertNoInternals(refused);
    } finally {
      await server.close();
    }

    // A webhook that is down: the job succeeds, its delivery fails, and the operator sees why (no URL shown).
    const dead = await startWebhookReceiver();
    const deadUrl = dead.url;
    await dead.close();
    const dir2 = await makeTempDir();
    try {
      const server2 = await startServer(dir2, config(dir2, deadUrl, undefined, { reports: { orders: { source: 'demo', table: 'orders', deliveries: ['hook'] } } }));
      try {
        const job = (await (await postExport(server2.url, { report: 'orders', deliver: ['hook'] })).json()) as DeliveredJob;
        const down = await waitForDelivery(server2.url, job.id, (delivery) => delivery.status !== 'pending');
        assert.equal(down.status, 'succeeded');
        assert.equal(down.delivery.status, 'failed');
        const tries = down.delivery.targets[0]?.attempts ?? [];
        assert.equal(tries.length, 3);
        assert.equal(tries[0]?.error?.message, 'webhook hook: ECONNREFUSED');
        assertNoInternals(down);
      } finally {
        await server2.close();
      }
    } finally {
      await removeDir(dir2);
    }
  } finally {
    await Promise.all([hook.close(), smtp.close()]);
    await removeDir(dir);
  }
});

test('a pending delivery survives a restart and is retried by the next process', { timeout: 120_000 }, async () => {
  const dir = await makeTempDir();
  const hook = await startWebhookReceiver([], 503);
  try {
    // A long backoff: the retry is still pending when the service stops.
    const raw = config(dir, hook, undefined, {
      reports: { orders: { source: 'demo', table: 'orders', deliveries: ['hook'] } },
    });
    (raw.deliveries as Record<string, Record<string, unknown>>).hook = { type: 'webhook', url: hook.url, secretEnv: 'SHEETPIPE_TEST_HOOK_SECRET', maxAttempts: 5, backoffSeconds: 4, maxBackoffSeconds: 4 };
    let id: string;
    const first = await startServer(dir, raw);
    try {
      const job = (await (await postExport(first.url, { report: 'orders', deliver: ['hook'] })).json()) as DeliveredJob;
      id = job.id;
      await waitForJob(first.url, id, finished);
      await waitForDelivery(first.url, id, (delivery) => (delivery.targets[0]?.attempts.length ?? 0) >= 1);
    } finally {
      await first.close();
    }
    const before = hook.received.length;
    hook.fallback = 200;
    const second = await startServer(dir, raw);
    try {
      const job = await waitForDelivery(second.url, id, (delivery) => delivery.status !== 'pending');
      assert.equal(job.delivery.status, 'delivered');
      const attempts = job.delivery.targets[0]?.attempts ?? [];
      assert.ok(attempts.length >= 2);
      assert.equal(attempts[0]?.status, 503, 'the attempt before the restart is kept');
      assert.equal(attempts[attempts.length - 1]?.status, 200);
      assert.ok(hook.received.length > before);
      assert.equal(hook.received[hook.received.length - 1]?.headers['sheetpipe-delivery'], `${id}:hook`);
    } finally {
      await second.close();
    }
  } finally {
    await hook.close();
    await removeDir(dir);
  }
});

test('a failed export is delivered too (its error code, no link); a file above smtp.attachMaxMb is mailed as a signed link', { timeout: 120_000 }, async () => {
  const dir = await makeTempDir();
  const hook = await startWebhookReceiver();
  const smtp = await startSmtpReceiver(dir);
  try {
    const raw = config(dir, hook, smtp, { smtp: undefined });
    raw.smtp = { host: '127.0.0.1', port: smtp.port, caFile: smtp.caFile, user: SMTP_USER, passwordEnv: 'SHEETPIPE_TEST_SMTP_PASSWORD', from: 'Reports <sheetpipe@example.com>', attachMaxMb: 0.0001 };
    // The table is dropped after config load: the query fails when the export runs.
    (raw.reports as Record<string, unknown>).broken = { source: 'demo', query: 'select * from vanished order by 1', deliveries: ['hook', 'mail'] };
    const server = await startServer(dir, raw);
    try {
      const failing = (await (await postExport(server.url, { report: 'broken', deliver: ['hook'] })).json()) as DeliveredJob;
      const failedJob = await waitForDelivery(server.url, failing.id, (delivery) => delivery.status !== 'pending');
      assert.equal(failedJob.status, 'failed');
      assert.equal(failedJob.delivery.status, 'delivered');
      const call = hook.received.find((received) => received.headers['sheetpipe-delivery'] === `${failing.id}:hook`);
      assert.ok(call);
      assert.equal(call.headers['sheetpipe-event'], 'export.failed');
      const payload = JSON.parse(call.body.toString()) as { type: string; export: { status: string; error: { code: string }; downloadUrl: string | null } };
      assert.equal(payload.type, 'export.failed');
      assert.equal(payload.export.status, 'failed');
      assert.equal(payload.export.error.code, failedJob.error?.code);
      assert.equal(payload.export.downloadUrl, null);
      assertNoInternals(payload);

      const big = (await (await postExport(server.url, { report: 'orders', deliver: ['mail'] })).json()) as DeliveredJob;
      const mailed = await waitForDelivery(server.url, big.id, (delivery) => delivery.status !== 'pending');
      assert.equal(mailed.delivery.status, 'delivered');
      assert.ok(mailed.bytes > 105, 'the file is above the attachment limit');
      const mail = smtp.mails[smtp.mails.length - 1] as SmtpReceiver['mails'][number];
      assert.deepEqual(attachmentsOf(mail.raw), [], 'nothing attached above the limit');
      const link = /(http:\/\/127\.0\.0\.1:\d+\/v1\/links\/[A-Za-z0-9_.=-]+)/.exec(mail.raw.replace(/=\r\n/g, ''))?.[1];
      assert.ok(link, 'the mail carries the signed link');
      const download = await fetch(link);
      assert.equal(download.status, 200);
      const direct = await fetch(`${server.url}/v1/exports/${big.id}/file`, { headers: auth() });
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), Buffer.from(await direct.arrayBuffer()));
    } finally {
      await server.close();
    }
  } finally {
    await Promise.all([hook.close(), smtp.close()]);
    await removeDir(dir);
  }
});
