// Memory degrades before it refuses: three levels of the memory limit, in order, with real exports running through
// them. Only the memory reading is the test's (admission's `measureMemory`); the exports, threads and files are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { assess, watermarksFor } from '../../src/service/admission.js';
import { BlockSequencer, type DeflateBlock } from '../../src/zip/block-sequencer.js';
import { ZipWriter } from '../../src/zip/zip-writer.js';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { makeSqliteOrders } from './helpers/data.js';
import { TOKEN, auth, errorOf, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const ROWS = 200_000;
/** openpyxl (read-only) counts the rows of the first sheet. */
const COUNT_ROWS = 'import sys, openpyxl\nprint(sum(1 for _ in openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0].iter_rows(values_only=True)))';
const limits = { memoryLimitMb: 1000 } as never;
const admission = { degradeAtPercent: 60, queueAtPercent: 75, refuseAtPercent: 85, eventLoopDelayQueueMs: 200, eventLoopDelayRefuseMs: 1000 };

test('the levels come in order: ok, degrade (60 %), queue (75 %), refuse (85 %)', () => {
  const marks = watermarksFor(limits, admission, 4096 * MB);
  const levelAt = (rssMb: number): string => assess({ rss: rssMb * MB, heapUsed: 0, eventLoopDelayMs: 0 }, marks).level;
  assert.deepEqual([100, 599, 600, 749, 750, 849, 850, 2000].map(levelAt), ['ok', 'ok', 'degrade', 'degrade', 'queue', 'queue', 'refuse', 'refuse']);
  assert.match(assess({ rss: 650 * MB, heapUsed: 0, eventLoopDelayMs: 0 }, marks).reason, /RSS 650 MB is above the degrade watermark 600 MB/);
});

test('a degraded writer keeps one block in flight; restored, it keeps two per thread again', async () => {
  const zip = new ZipWriter(new PassThrough().resume(), { modified: new Date(0), forceZip64: false });
  const sequencer = new BlockSequencer(zip, 4, () => undefined);
  const entry = { path: 'x', mayExceed4GiB: () => false };
  const pending: ((block: DeflateBlock) => void)[] = [];
  const block = (): Promise<DeflateBlock> => new Promise((resolve) => pending.push(resolve));
  const settled = (promise: Promise<void>): Promise<boolean> =>
    Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
  const first = sequencer.push(entry, block(), true, false, 1);
  assert.equal(await settled(first), true, 'one block of four in flight: the producer goes on');
  sequencer.setMaxInFlight(1);
  const second = sequencer.push(entry, block(), false, false, 1);
  assert.equal(await settled(second), false, 'degraded: a second outstanding block holds the producer');
  sequencer.setMaxInFlight(4);
  const data = Uint8Array.of(0x02, 0x00); // an empty fixed-Huffman block
  pending[0]?.({ data, crc: 0, rawLength: 0 });
  assert.equal(await settled(second), true, 'the first block written, the producer goes on');
  pending[1]?.({ data, crc: 0, rawLength: 0 });
  await sequencer.drain();
});

test('running exports degrade and finish, new ones wait, downloads wait at the queue level, refused at 85 %', async () => {
  const dir = await makeTempDir();
  let rssMb = 100;
  makeSqliteOrders(join(dir, 'demo.db'), ROWS);
  const server = await startServer(
    dir,
    {
      sources: { demo: { url: 'sqlite:./demo.db' } },
      reports: { orders: { source: 'demo', query: 'select * from orders' } },
      tokens: [{ token: TOKEN, reports: ['*'] }],
      limits: { memoryLimitMb: 1000, concurrentExports: 4, downloadWaitSeconds: 60 },
      admission,
    },
    { measureMemory: () => ({ rss: rssMb * MB, heapUsed: 0 }) },
  );
  const readyLevel = async (): Promise<string> => ((await (await fetch(`${server.url}/readyz`)).json()) as { admission?: string; status: string }).admission ?? 'refuse';
  const untilLevel = async (level: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while ((await readyLevel()) !== level) {
      assert.ok(Date.now() < deadline, `admission did not reach ${level}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    const running = (await (await postExport(server.url, { report: 'orders' })).json()) as JobJson;
    await waitForJob(server.url, running.id, (job) => job.status === 'running' || job.status === 'succeeded');

    rssMb = 650;
    await untilLevel('degrade');
    const waiting = await postExport(server.url, { report: 'orders', format: 'csv' });
    assert.equal(waiting.status, 202);
    const queued = (await waiting.json()) as JobJson;
    assert.equal(queued.status, 'queued', 'degraded: new exports wait');

    rssMb = 800;
    await untilLevel('queue');
    const download = fetch(`${server.url}/v1/reports/orders/download?format=csv`, { headers: auth() });
    const early = await Promise.race([download.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1000))]);
    assert.equal(early, 'waiting', 'above the queue watermark a download waits');

    rssMb = 100;
    await untilLevel('ok');
    const response = await download;
    assert.equal(response.status, 200);
    const csv = await response.text();
    assert.equal(csv.trimEnd().split('\r\n').length, ROWS + 1, 'the download that waited is complete');

    rssMb = 900;
    await untilLevel('refuse');
    const refused = await postExport(server.url, { report: 'orders' });
    assert.equal(refused.status, 503);
    assert.equal((await errorOf(refused)).code, 'SHEETPIPE_ERR_SERVICE_OVERLOADED');
    const refusedDownload = await fetch(`${server.url}/v1/reports/orders/download`, { headers: auth() });
    assert.equal(refusedDownload.status, 503, 'above the refuse watermark a download does not wait');
    rssMb = 100;
    await untilLevel('ok');
    const first = await waitForJob(server.url, running.id, (job) => job.status !== 'running' && job.status !== 'queued', 120_000);
    const second = await waitForJob(server.url, queued.id, (job) => job.status !== 'running' && job.status !== 'queued', 120_000);
    assert.equal(first.status, 'succeeded', JSON.stringify(first.error));
    assert.equal(first.rows, ROWS);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.error));
    const file = await fetch(`${server.url}/v1/exports/${running.id}/file`, { headers: auth() });
    const path = join(dir, 'first.xlsx');
    await writeFile(path, Buffer.from(await file.arrayBuffer()));
    const { stdout } = await run('/usr/bin/python3', ['-c', COUNT_ROWS, path]);
    assert.equal(Number(stdout), ROWS + 1, 'the export that ran through every level is a valid, complete file');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const level of ['degrade', 'queue', 'refuse', 'ok']) {
      assert.match(metrics, new RegExp(`sheetpipe_admission_transitions_total\\{to="${level}"\\} [1-9]`), level);
    }
    assert.match(metrics, /sheetpipe_admission_level 0/);
  } finally {
    await server.close();
    await removeDir(dir);
  }
});
