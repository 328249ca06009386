import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyFlusher } from '../../src/observability/flusher.js';
import { readLatencyFile, latencyFileSet } from '../../src/observability/latency-file.js';
import { LatencyRing } from '../../src/observability/latency-ring.js';
import { emptySample, traceIdWords } from '../../src/observability/latency-record.js';
import { buildLatencyReport, latencyReport } from '../../src/observability/latency-report.js';
import { RouteTable } from '../../src/observability/route-table.js';
import { TailSampler } from '../../src/observability/sampler.js';
import { isSheetpipeError } from '../../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-latency-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Spec { route: number; latencyMs: number; weight?: number; gcMs?: number; loopMs?: number; queuedMs?: number; dbMs?: number }

function writeAll(ring: LatencyRing, specs: readonly Spec[]): void {
  const sample = emptySample();
  specs.forEach((spec, i) => {
    traceIdWords(i.toString(16).padStart(32, '0'), sample);
    Object.assign(sample, {
      routeId: spec.route, status: 200, startNs: i * 1e6, latencyNs: spec.latencyMs * 1e6, weight: spec.weight ?? 1,
      gcUs: (spec.gcMs ?? 0) * 1e3, eventLoopUs: (spec.loopMs ?? 0) * 1e3, queuedUs: (spec.queuedMs ?? 0) * 1e3, dbUs: (spec.dbMs ?? 0) * 1e3,
    });
    assert.ok(ring.write(sample));
  });
}

test('flush + rotation + latency-report round trip: counts, weighted percentiles, max, spikes by cause', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'logs', 'latency.bin');
    const routes = new RouteTable();
    const status = routes.idFor('GET /v1/exports/:id');
    const create = routes.idFor('POST /v1/exports');
    const ring = new LatencyRing(4096);
    const sampler = new TailSampler(routes, { thresholdMs: 5 });
    const flusher = new LatencyFlusher({ ring, routes, path, sampler, rotateBytes: 64 * 1024, keepFiles: 10 });
    // 2,000 fast status reads sampled at 1 % (weight 100), 1..2000 µs; 40 slow ones with known causes.
    const fast: Spec[] = Array.from({ length: 2000 }, (_, i) => ({ route: status, latencyMs: (i + 1) / 1000, weight: 100 }));
    const slow: Spec[] = [
      ...Array.from({ length: 10 }, () => ({ route: status, latencyMs: 40, gcMs: 30, loopMs: 31 })),
      ...Array.from({ length: 12 }, () => ({ route: status, latencyMs: 35, loopMs: 30 })),
      ...Array.from({ length: 8 }, () => ({ route: create, latencyMs: 20, queuedMs: 15 })),
      ...Array.from({ length: 6 }, () => ({ route: create, latencyMs: 12, dbMs: 9 })),
      ...Array.from({ length: 4 }, () => ({ route: create, latencyMs: 90.5 })),
    ];
    writeAll(ring, fast.slice(0, 1000));
    assert.equal(await flusher.flush(), 1000);
    writeAll(ring, [...fast.slice(1000), ...slow]);
    await flusher.close(); // flushes the rest
    assert.equal(flusher.recordsWritten, 2040);

    const files = await latencyFileSet(path);
    assert.ok(files.length >= 2, `rotated by size: ${files.join(', ')}`);
    for (const file of files) assert.ok((await stat(file)).size <= 64 * 1024, `${file} within the rotation size`);
    const first = await readLatencyFile(files[0]!);
    assert.deepEqual(first.header.routes, ['(unmatched)', 'GET /v1/exports/:id', 'POST /v1/exports']);
    assert.equal(first.header.thresholdMs, 5);

    const report = await buildLatencyReport(path);
    assert.equal(report.records, 2040);
    const [statusRow, createRow] = report.routes.length === 2 && report.routes[0]!.route === 'GET /v1/exports/:id' ? report.routes : [report.routes[1]!, report.routes[0]!];
    assert.equal(statusRow!.route, 'GET /v1/exports/:id');
    assert.equal(statusRow!.records, 2022);
    assert.equal(statusRow!.count, 2000 * 100 + 22, 'fast records weigh 1 / sampling rate');
    assert.ok(Math.abs(statusRow!.p50Ms - 1.0) < 0.01, `p50 ${statusRow!.p50Ms}`);
    assert.ok(Math.abs(statusRow!.p99Ms - 1.98) < 0.01, `p99 ${statusRow!.p99Ms}`);
    assert.equal(statusRow!.maxMs, 40);
    assert.deepEqual(statusRow!.spikes, { total: 22, gc: 10, 'event-loop': 12, queued: 0, database: 0, none: 0 });
    assert.equal(createRow!.count, 18);
    assert.equal(createRow!.maxMs, 90.5);
    assert.deepEqual(createRow!.spikes, { total: 18, gc: 0, 'event-loop': 0, queued: 8, database: 6, none: 4 });
    assert.deepEqual(report.spikes, { total: 40, gc: 10, 'event-loop': 12, queued: 8, database: 6, none: 4 });

    const json = JSON.parse(await latencyReport(path, { json: true })) as typeof report;
    assert.deepEqual(json.spikes, report.spikes);
    const text = await latencyReport(path);
    assert.match(text, /GET \/v1\/exports\/:id\s+200022\s+2022\s+1\.\d{3}\s+1\.98\d\s+/);
    assert.match(text, /all routes\s+200040\s+2040/);
    assert.equal((await buildLatencyReport(path, { thresholdMs: 50 })).spikes.total, 4, 'the threshold is an option');
  });
});

test('the timer flushes in the background; an old file is rotated out at start; a torn tail is ignored', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'latency.bin');
    await writeFile(path, 'not a latency log');
    const routes = new RouteTable();
    const ring = new LatencyRing(64);
    const flusher = new LatencyFlusher({ ring, routes, path, intervalMs: 20 }).start();
    writeAll(ring, [{ route: 0, latencyMs: 1 }, { route: 0, latencyMs: 2 }]);
    const deadline = Date.now() + 5000;
    while (flusher.recordsWritten < 2 && Date.now() < deadline) await sleep(10);
    assert.equal(flusher.recordsWritten, 2);
    routes.idFor('GET /new'); // the route table grew: the next write starts a new file
    writeAll(ring, [{ route: 1, latencyMs: 3 }]);
    await flusher.close();
    assert.deepEqual((await readdir(dir)).sort(), ['latency.bin', 'latency.bin.1', 'latency.bin.2']);
    await assert.rejects(readLatencyFile(`${path}.2`), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE') && e.message.includes('bad magic'));
    assert.equal((await readLatencyFile(`${path}.1`)).count, 2);
    await appendFile(path, Buffer.alloc(10));
    const newest = await readLatencyFile(path);
    assert.deepEqual([newest.count, newest.trailingBytes, newest.header.routes[1]], [1, 10, 'GET /new']);
    await assert.rejects(latencyReport(join(dir, 'missing.bin')), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE'));
  });
});
