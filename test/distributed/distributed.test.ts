/**
 * Distributed mode end to end: the API in this process, real `sheetpipe worker` processes, the
 * real Redis and PostgreSQL on this machine. Each test has its own Redis prefix and folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { threadNices } from '../helpers/thread-nice.js';
import { listEntries, readEntry } from '../helpers/zip-read.js';
import { busyBackends, slowQuery, until, withPg } from '../service/helpers/data.js';
import { auth, postExport, waitForJob, type JobJson } from '../service/helpers/server.js';
import { sseReader, type SseEvent } from '../service/helpers/sse.js';
import type { DistributedJobRecord } from '../../src/service/distributed/job-data.js';
import { startCluster, tempFiles, type Cluster } from './helpers/cluster.js';
import { attemptsMade, restartRedis } from './helpers/redis.js';
import { checkNumbersFile } from './helpers/numbers-check.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

async function accepted(response: Response): Promise<JobJson> {
  const body = (await response.json()) as JobJson;
  assert.equal(response.status, 202, JSON.stringify(body));
  return body;
}

function customProperties(xlsx: Buffer): string {
  const entry = listEntries(xlsx).find((e) => e.name === 'docProps/custom.xml');
  assert.ok(entry, 'the file has custom document properties');
  return readEntry(xlsx, entry).toString('utf8');
}

async function withCluster(options: Parameters<typeof startCluster>[0], work: (cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = await startCluster(options);
  try {
    await work(cluster);
  } catch (error) {
    for (const worker of cluster.workers) process.stderr.write(`--- worker ${worker.name} output:\n${worker.output()}\n`);
    throw error;
  } finally {
    await cluster.close();
  }
}

test('jobs spread over the worker processes; trace and color reach the file; files are complete', { timeout: 90_000 }, async () => {
  await withCluster({ workers: 2 }, async (cluster) => {
    const headers = { traceparent: TRACEPARENT, baggage: 'color=canary' };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${cluster.url}/v1/exports`, {
        method: 'POST',
        headers: { ...auth(), ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ report: 'numbers', params: { rows: 30_000 } }),
      });
      ids.push((await accepted(response)).id);
    }
    const done = await Promise.all(ids.map((id) => waitForJob(cluster.url, id, (job) => job.status === 'succeeded', 60_000)));
    assert.ok(done.every((job) => job.rows === 30_000), `every job counted its data rows: ${JSON.stringify(done.map((job) => job.rows))}`);
    const records = await Promise.all(ids.map((id) => cluster.queue.get(id)));
    const workers = new Set(records.map((record) => record?.worker));
    assert.ok(workers.size >= 2, `jobs ran on ${[...workers].join(', ')}`);
    for (const name of workers) assert.ok(cluster.workers.some((worker) => worker.name === name), `${name} is one of the worker processes`);

    const file = join(cluster.filesDir, `${ids[0]}.xlsx`);
    const xlsx = await readFile(file);
    const properties = customProperties(xlsx);
    assert.match(properties, new RegExp(TRACE_ID), 'the trace id is a document property');
    assert.match(properties, /canary/, 'the color is a document property');
    const download = await fetch(`${cluster.url}/v1/exports/${ids[0]}/file`, { headers: auth() });
    assert.equal(download.status, 200);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(xlsx), 'the API serves the file a worker wrote');
    const check = await checkNumbersFile(file, 30_000, 'Numbers');
    assert.equal(check.code, 0, check.output);
    assert.deepEqual(await tempFiles(cluster.filesDir), []);
    assert.equal((await readdir(cluster.filesDir)).filter((name) => name.endsWith('.xlsx')).length, ids.length);
  });
});

test('SIGKILL of the worker in the middle of a 1,000,000-row export: another worker finishes it, no temp file is left', { timeout: 180_000 }, async (t) => {
  await withCluster({ workers: 2 }, async (cluster) => {
    const rows = 1_000_000;
    const { id } = await accepted(await postExport(cluster.url, { report: 'numbers', params: { rows } }));
    const events = sseReader(await fetch(`${cluster.url}/v1/exports/${id}/events`, { headers: auth() }));
    const seen: SseEvent[] = [];
    const collecting = (async () => {
      for (let event = await events.next(150_000); event; event = await events.next(150_000)) {
        seen.push(event);
        if (event.event === 'end') return;
      }
    })();
    let running: DistributedJobRecord | undefined;
    await until(async () => ((running = await cluster.queue.get(id))?.rows ?? 0) >= 100_000, 60_000, 'the export to be well under way');
    t.diagnostic(`killing ${running?.worker} at ${running?.rows} rows`);
    const victim = cluster.workers.find((worker) => worker.name === running?.worker);
    assert.ok(victim, `the job runs on a worker process (${running?.worker})`);
    const pid = victim.name.split(':')[1] as string;
    const partial = await tempFiles(cluster.filesDir);
    assert.ok(partial.some((name) => name.startsWith(`.${id}.xlsx.`) && name.includes(`-${pid}-`)), `the victim's temp file exists: ${partial.join(', ')}`);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, 'SIGKILL');
    // When the record stops showing the victim running it: the stalled check moved the job (queued) or a worker took it.
    await until(async () => {
      const record = await cluster.queue.get(id);
      return record?.status !== 'running' || record.worker !== victim.name;
    }, 60_000, 'the stalled check to move the job off the dead worker');
    const movedMs = Date.now() - killedAt;

    const done = await waitForJob(cluster.url, id, (job) => job.status === 'succeeded' || job.status === 'failed', 150_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.rows, rows);
    const record = await cluster.queue.get(id);
    t.diagnostic(`moved off the dead worker within ${movedMs} ms (polled), taken over (BullMQ processedOn) after ${(record?.startedAt ?? 0) - killedAt} ms, finished ${Date.now() - killedAt} ms after the kill`);
    const survivor = cluster.workers.find((worker) => worker !== victim);
    assert.equal(record?.worker, survivor?.name, 'the other worker ran it to the end');
    assert.ok((record?.startedAt ?? 0) >= killedAt, 'the successful run started after the kill (a re-run from the start)');
    // The documented bound (distributed.md): running elsewhere within 2 × lockDurationSeconds. startedAt is BullMQ's
    // processedOn, stamped when the other worker takes the job. Lock expiry (at most 1 lock) + the stalled check
    // (every quarter lock) leave 0.75 lock for the fetch.
    assert.ok((record?.startedAt ?? Infinity) - killedAt <= 2 * 5_000, `taken over ${(record?.startedAt ?? 0) - killedAt} ms after the kill (lock 5 s)`);
    await collecting;
    assert.ok(seen.some((event) => event.event === 'progress' && (event.data.rows as number) > 0), 'progress events arrived');
    assert.equal(seen.at(-1)?.data.status, 'succeeded', 'the end event reports success');

    assert.deepEqual(await tempFiles(cluster.filesDir), [], 'the dead worker\'s temp file was removed by the one that took over');
    assert.deepEqual((await readdir(cluster.filesDir)).filter((name) => name.startsWith(id)), [`${id}.xlsx`], 'one output, not two');
    const check = await checkNumbersFile(join(cluster.filesDir, `${id}.xlsx`), rows, 'Numbers');
    assert.equal(check.code, 0, check.output);
    t.diagnostic(check.output.trim().split('\n').join(' | '));
  });
});

test('DELETE of a running export stops its query on the worker and removes its temp file before answering canceled', { timeout: 90_000 }, async () => {
  const marker = `dist_cancel_${Date.now()}`;
  await withCluster({ workers: 2, reports: { endless: { source: 'pg', query: slowQuery(marker) } } }, async (cluster) => {
    const response = await fetch(`${cluster.url}/v1/exports`, {
      method: 'POST',
      headers: { ...auth(), traceparent: TRACEPARENT, baggage: 'color=canary', 'content-type': 'application/json' },
      body: JSON.stringify({ report: 'endless' }),
    });
    const { id } = await accepted(response);
    await until(async () => (await busyBackends(marker)) >= 1, 30_000, 'the query to run on a worker');
    await until(async () => ((await cluster.queue.get(id))?.rows ?? 0) > 0, 30_000, 'rows to flow');
    assert.ok((await tempFiles(cluster.filesDir)).length >= 1, 'the worker writes a temp file');

    const deleted = await fetch(`${cluster.url}/v1/exports/${id}`, { method: 'DELETE', headers: auth() });
    const body = (await deleted.json()) as JobJson;
    assert.equal(deleted.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'canceled');
    assert.equal(body.error?.code, 'SHEETPIPE_ERR_PIPELINE_CANCELED');
    // Answered only after the worker stopped: no backend left, no temp file.
    assert.deepEqual(await tempFiles(cluster.filesDir), []);
    await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the query to be gone from pg_stat_activity');
    const file = await fetch(`${cluster.url}/v1/exports/${id}/file`, { headers: auth() });
    assert.equal(file.status, 410);
  });
});

test('the SQL comment on the worker carries the request\'s traceparent and color', { timeout: 60_000 }, async () => {
  const marker = `dist_comment_${Date.now()}`;
  await withCluster({ workers: 1, reports: { endless: { source: 'pg', query: slowQuery(marker) } } }, async (cluster) => {
    const response = await fetch(`${cluster.url}/v1/exports`, {
      method: 'POST',
      headers: { ...auth(), traceparent: TRACEPARENT, baggage: 'color=canary', 'content-type': 'application/json' },
      body: JSON.stringify({ report: 'endless' }),
    });
    const { id } = await accepted(response);
    let text = '';
    await until(async () => {
      text = await runningQueryText(marker);
      return text !== '';
    }, 30_000, 'the query to run');
    assert.match(text, new RegExp(`traceparent='00-${TRACE_ID}-[0-9a-f]{16}-01'`));
    assert.match(text, /color='canary'/);
    const deleted = await fetch(`${cluster.url}/v1/exports/${id}`, { method: 'DELETE', headers: auth() });
    assert.equal(((await deleted.json()) as JobJson).status, 'canceled');
  });
});

test('queue limits: a waiting export is cancelled at once, a full queue answers 429, counts() sees all workers', { timeout: 60_000 }, async () => {
  const marker = `dist_queued_${Date.now()}`;
  const overrides = { limits: { concurrentExports: 1, queueLength: 1 } };
  await withCluster({ workers: 1, reports: { endless: { source: 'pg', query: slowQuery(marker) } }, overrides }, async (cluster) => {
    const busy = await accepted(await postExport(cluster.url, { report: 'endless' }));
    await until(async () => (await cluster.queue.get(busy.id))?.status === 'running', 30_000, 'the only worker to be busy');
    const queued = await accepted(await postExport(cluster.url, { report: 'numbers' }));
    assert.equal((await cluster.queue.get(queued.id))?.status, 'queued');
    const full = await postExport(cluster.url, { report: 'numbers' });
    assert.equal(full.status, 429, 'queueLength 1 counts the waiting job, not the running one');
    assert.ok(full.headers.get('retry-after'));
    await until(() => cluster.queue.counts().waiting === 1 && cluster.queue.counts().running === 1, 5_000, 'counts() to show 1 waiting, 1 running');

    const deleted = await fetch(`${cluster.url}/v1/exports/${queued.id}`, { method: 'DELETE', headers: auth() });
    const canceled = (await deleted.json()) as JobJson;
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.error?.code, 'SHEETPIPE_ERR_PIPELINE_CANCELED');
    const again = await fetch(`${cluster.url}/v1/exports/${queued.id}`, { headers: auth() });
    assert.equal(((await again.json()) as JobJson).status, 'canceled', 'the record of a job cancelled while queued stays');
    const removed = await fetch(`${cluster.url}/v1/exports/${queued.id}`, { method: 'DELETE', headers: auth() });
    assert.equal(removed.status, 200);
    assert.equal((await fetch(`${cluster.url}/v1/exports/${queued.id}`, { headers: auth() })).status, 404, 'DELETE of a finished job removes it');
    await fetch(`${cluster.url}/v1/exports/${busy.id}`, { method: 'DELETE', headers: auth() });
  });
});

test('a failing export is failed with its error after `attempts` runs; records and files expire with the retention', { timeout: 60_000 }, async () => {
  const reports = { broken: { source: 'pg', query: 'select 1 / (g - g) as boom from generate_series(1, 3) g' } };
  const overrides = { storage: { dir: './exports', retentionHours: 0.001 } };
  await withCluster({ workers: 1, reports, overrides }, async (cluster) => {
    const broken = await accepted(await postExport(cluster.url, { report: 'broken' }));
    const failed = await waitForJob(cluster.url, broken.id, (job) => job.status === 'failed', 30_000);
    assert.match(failed.error?.code ?? '', /^SHEETPIPE_ERR_SOURCE_/, JSON.stringify(failed.error));
    // Clients see the client's version of the database error (docs/security.md); "division by zero" is in the log.
    assert.equal(failed.error?.message, 'the database of source pg rejected the query');
    assert.equal(await attemptsMade(cluster.prefix, broken.id), 2, 'the job ran `attempts` times before it was failed');

    const ok = await accepted(await postExport(cluster.url, { report: 'numbers' }));
    await waitForJob(cluster.url, ok.id, (job) => job.status === 'succeeded', 30_000);
    const file = join(cluster.filesDir, `${ok.id}.xlsx`);
    await until(async () => (await fetch(`${cluster.url}/v1/exports/${ok.id}`, { headers: auth() })).status === 404, 15_000, 'the record to expire');
    assert.deepEqual((await readdir(cluster.filesDir)).filter((name) => name.startsWith(ok.id)), [], `${file} expired with its record`);
  });
});

test('SIGTERM of a worker: its running export goes back to the queue (query stopped, temp file removed) for another worker', { timeout: 60_000 }, async () => {
  const marker = `dist_sigterm_${Date.now()}`;
  await withCluster({ workers: 0, reports: { endless: { source: 'pg', query: slowQuery(marker) } } }, async (cluster) => {
    const first = await cluster.startWorker({ server: { shutdownGraceSeconds: 1 } });
    const { id } = await accepted(await postExport(cluster.url, { report: 'endless' }));
    await until(async () => ((await cluster.queue.get(id))?.rows ?? 0) > 0, 30_000, 'the export to run');
    // SIGHUP (sent to reload the API's config) neither stops a worker nor its export.
    first.child.kill('SIGHUP');
    await until(() => first.output().includes('SIGHUP ignored'), 10_000, 'the worker to note the SIGHUP');
    const rowsAtHangup = (await cluster.queue.get(id))?.rows ?? 0;
    await until(async () => ((await cluster.queue.get(id))?.rows ?? 0) > rowsAtHangup, 10_000, 'the export to go on after SIGHUP');
    assert.equal(first.child.exitCode, null, 'the worker is still running');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    const back = await cluster.queue.get(id);
    assert.equal(back?.status, 'queued', 'handed back, not failed');
    assert.deepEqual(await tempFiles(cluster.filesDir), []);
    await until(async () => (await busyBackends(marker)) === 0, 5_000, 'the query to be stopped');

    const second = await cluster.startWorker();
    await until(async () => (await cluster.queue.get(id))?.worker === second.name, 30_000, 'the second worker to take the export');
    const deleted = await fetch(`${cluster.url}/v1/exports/${id}`, { method: 'DELETE', headers: auth() });
    assert.equal(((await deleted.json()) as JobJson).status, 'canceled');
  });
});

test('with attempts 1, an export whose worker is killed is failed as interrupted, and its temp file removed', { timeout: 60_000 }, async () => {
  const marker = `dist_lost_${Date.now()}`;
  await withCluster({ workers: 2, reports: { endless: { source: 'pg', query: slowQuery(marker) } }, queue: { attempts: 1 } }, async (cluster) => {
    const { id } = await accepted(await postExport(cluster.url, { report: 'endless' }));
    let running: DistributedJobRecord | undefined;
    await until(async () => ((running = await cluster.queue.get(id))?.rows ?? 0) > 0, 30_000, 'the export to run');
    const victim = cluster.workers.find((worker) => worker.name === running?.worker);
    assert.ok(victim);
    assert.equal((await tempFiles(cluster.filesDir)).length, 1);
    victim.child.kill('SIGKILL');
    // The stall check may first move the job back to waiting for a moment; what matters is how it ends.
    const failed = await waitForJob(cluster.url, id, (job) => job.status === 'failed' || job.status === 'succeeded' || job.status === 'canceled', 30_000);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'SHEETPIPE_ERR_SERVICE_JOB_INTERRUPTED', JSON.stringify(failed.error));
    await until(async () => (await tempFiles(cluster.filesDir)).length === 0, 5_000, 'the dead worker\'s temp file to be removed');
  });
});

test('a worker above its memory watermark takes no jobs and leaves them to the others', { timeout: 60_000 }, async () => {
  await withCluster({ workers: 0 }, async (cluster) => {
    // A 1 MB memory limit: the process's RSS is always above both watermarks.
    const full = await cluster.startWorker({ limits: { concurrentExports: 2, memoryLimitMb: 1 } });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await accepted(await postExport(cluster.url, { report: 'numbers' }))).id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of ids) assert.equal((await cluster.queue.get(id))?.status, 'queued', 'the full worker took nothing');
    const roomy = await cluster.startWorker();
    await Promise.all(ids.map((id) => waitForJob(cluster.url, id, (job) => job.status === 'succeeded', 30_000)));
    for (const id of ids) assert.equal((await cluster.queue.get(id))?.worker, roomy.name);
    assert.match(full.output(), /not taking new exports/);
  });
});

test('a Redis restart while idle is survived by the API and the workers', { timeout: 90_000 }, async (t) => {
  await withCluster({ workers: 2 }, async (cluster) => {
    const before = await accepted(await postExport(cluster.url, { report: 'numbers' }));
    await waitForJob(cluster.url, before.id, (job) => job.status === 'succeeded', 30_000);
    await restartRedis();
    const restarted = Date.now();
    const after = await accepted(await postExport(cluster.url, { report: 'numbers', params: { rows: 5000 } }));
    const events = sseReader(await fetch(`${cluster.url}/v1/exports/${after.id}/events`, { headers: auth() }));
    let last: SseEvent | undefined;
    for (let event = await events.next(60_000); event; event = await events.next(60_000)) last = event;
    assert.equal(last?.event, 'end', 'events flow again after the restart');
    const done = await waitForJob(cluster.url, after.id, (job) => job.status === 'succeeded' || job.status === 'failed', 60_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.rows, 5000);
    t.diagnostic(`a new export completed ${Date.now() - restarted} ms after Redis answered again`);
    for (const worker of cluster.workers) assert.equal(worker.child.exitCode, null, `worker ${worker.name} is still running`);
    const healthy = await fetch(`${cluster.url}/healthz`);
    assert.equal(healthy.status, 200);
  });
});

/** The text of the running query containing `marker`, '' when there is none. */
async function runningQueryText(marker: string): Promise<string> {
  return withPg(async (client) => {
    const result = await client.query("select query from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and query like $1", [`%${marker}%`]);
    return (result.rows[0] as { query: string } | undefined)?.query ?? '';
  });
}

test('a worker runs its exports niced (limits.exportNice): the export thread and its engine threads, never its main thread', { timeout: 60_000, skip: process.platform !== 'linux' && 'nice is per thread only on Linux' }, async () => {
  const NICE = 7;
  await withCluster({ workers: 1, overrides: { limits: { concurrentExports: 1, queueLength: 1000, exportNice: NICE, requestsPerSecond: 100_000 } } }, async (cluster) => {
    const pid = cluster.workers[0]!.child.pid as number;
    assert.ok([...threadNices(pid).values()].every((nice) => nice === 0), 'no thread of the worker is niced before');
    const { id } = await accepted(await postExport(cluster.url, { report: 'numbers', params: { rows: 400_000 } }));
    let mostNiced = 0;
    let status = 'queued';
    while (status === 'queued' || status === 'running') {
      const nices = threadNices(pid);
      assert.equal(nices.get(pid), 0, 'the worker\'s main thread is never niced');
      assert.deepEqual([...nices.values()].filter((nice) => nice !== 0 && nice !== NICE), [], `only 0 and ${NICE}: ${[...nices]}`);
      mostNiced = Math.max(mostNiced, [...nices.values()].filter((nice) => nice === NICE).length);
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = ((await (await fetch(`${cluster.url}/v1/exports/${id}`, { headers: auth() })).json()) as JobJson).status;
    }
    assert.equal(status, 'succeeded');
    // The export thread and its two render/compress workers.
    assert.ok(mostNiced >= 3, `at most ${mostNiced} threads of the worker were niced at once`);
  });
});
