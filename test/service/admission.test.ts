import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { assess, watermarksFor, AdmissionController } from '../../src/service/admission.js';
import { containerMemoryLimit } from '../../src/service/memory-limit.js';

const MB = 1024 * 1024;
const limits = { concurrentExports: 2, queueLength: 10, memoryLimitMb: 1000, retryAfterSeconds: 5, downloadWaitSeconds: 30, exportNice: 10 };
const admission = { queueAtPercent: 70, refuseAtPercent: 85, eventLoopDelayQueueMs: 200, eventLoopDelayRefuseMs: 1000 };

test('watermarks are 70 % and 85 % of the memory limit (RSS) and of the heap limit; RSS degrades first, at 60 %', () => {
  const marks = watermarksFor(limits, admission, 100 * MB);
  assert.deepEqual(marks.rss, { degrade: 600 * MB, queue: 700 * MB, refuse: 850 * MB });
  assert.deepEqual(marks.heap, { queue: 70 * MB, refuse: 85 * MB });
});

test('the worst of RSS, heap and event-loop delay decides, with a reason naming the measure', () => {
  const marks = watermarksFor(limits, admission, 100 * MB);
  const calm = { rss: 100 * MB, heapUsed: 10 * MB, eventLoopDelayMs: 1 };
  assert.deepEqual(assess(calm, marks), { level: 'ok', reason: '' });
  const rssHigh = assess({ ...calm, rss: 750 * MB }, marks);
  assert.equal(rssHigh.level, 'queue');
  assert.match(rssHigh.reason, /RSS 750 MB is above the queue watermark 700 MB/);
  assert.equal(assess({ ...calm, rss: 900 * MB }, marks).level, 'refuse');
  assert.equal(assess({ ...calm, heapUsed: 90 * MB }, marks).level, 'refuse');
  const slowLoop = assess({ ...calm, eventLoopDelayMs: 300 }, marks);
  assert.equal(slowLoop.level, 'queue');
  assert.match(slowLoop.reason, /event-loop delay 300\.0 ms/);
  assert.equal(assess({ ...calm, rss: 750 * MB, eventLoopDelayMs: 2000 }, marks).level, 'refuse');
});

test('the controller measures this process: a limit below the current RSS refuses, a large one admits', () => {
  const rss = process.memoryUsage.rss();
  const tight = new AdmissionController({ ...limits, memoryLimitMb: rss / MB / 2 }, admission);
  assert.equal(tight.check().level, 'refuse');
  assert.equal(tight.mayStart(), false);
  const roomy = new AdmissionController({ ...limits, memoryLimitMb: (rss / MB) * 10 }, admission);
  assert.equal(roomy.check().level, 'ok');
  assert.equal(roomy.mayStart(), true);
});

test('the container limit is read from cgroup files; "max" and v1\'s huge sentinel mean no limit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-cgroup-'));
  try {
    const file = join(dir, 'memory.max');
    await writeFile(file, '536870912\n');
    assert.equal(await containerMemoryLimit([join(dir, 'missing'), file]), 536870912);
    await writeFile(file, 'max\n');
    assert.equal(await containerMemoryLimit([file]), undefined);
    await writeFile(file, `${totalmem() * 4}\n`);
    assert.equal(await containerMemoryLimit([file]), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('free storage space is judged the other way round: below the queue watermark waits, below refuse refuses', () => {
  const marks = watermarksFor(limits, { ...admission, diskFreeQueueMb: 1024, diskFreeRefuseMb: 256 }, 100 * MB);
  assert.deepEqual(marks.diskFree, { queue: 1024 * MB, refuse: 256 * MB });
  const calm = { rss: 100 * MB, heapUsed: 10 * MB, eventLoopDelayMs: 1 };
  assert.equal(assess(calm, marks).level, 'ok', 'not measured: not judged');
  assert.equal(assess({ ...calm, diskFreeBytes: 5000 * MB }, marks).level, 'ok');
  const low = assess({ ...calm, diskFreeBytes: 500 * MB }, marks);
  assert.equal(low.level, 'queue');
  assert.match(low.reason, /storage free space 500 MB is below the queue watermark 1024 MB/);
  assert.equal(assess({ ...calm, diskFreeBytes: 100 * MB }, marks).level, 'refuse');
  // Defaults when a hand-built config leaves them out.
  assert.deepEqual(watermarksFor(limits, admission, 100 * MB).diskFree, { queue: 1024 * MB, refuse: 256 * MB });
});

test('the controller measures the storage filesystem with statfs, asynchronously', async () => {
  const controller = new AdmissionController(limits, { ...admission, diskFreeQueueMb: 0, diskFreeRefuseMb: 0 }, tmpdir());
  controller.start();
  try {
    const deadline = Date.now() + 5_000;
    while (controller.sample().diskFreeBytes === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const free = controller.sample().diskFreeBytes;
    assert.ok(typeof free === 'number' && free > 0, `free: ${free}`);
  } finally {
    controller.stop();
  }
});
