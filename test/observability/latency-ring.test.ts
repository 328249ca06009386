import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { LatencyRing } from '../../src/observability/latency-ring.js';
import { emptySample, type LatencyRecord, type LatencySample } from '../../src/observability/latency-record.js';
import { isSheetpipeError } from '../../src/errors.js';
import { fillExpected, type RingWriterData } from './fixtures/ring-writer.js';

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

function assertIntact(record: LatencyRecord, expected: LatencySample): void {
  assert.equal(record.traceId, hex8(expected.trace0) + hex8(expected.trace1) + hex8(expected.trace2) + hex8(expected.trace3));
  assert.deepEqual(
    [record.startNs, record.latencyNs, record.routeId, record.status, record.flags, record.weight, record.ttfbUs, record.queuedUs, record.eventLoopUs, record.gcUs, record.dbUs],
    [expected.startNs, expected.latencyNs, expected.routeId, expected.status, expected.flags, expected.weight, expected.ttfbUs, expected.queuedUs, expected.eventLoopUs, expected.gcUs, expected.dbUs],
  );
}

function writeSeries(ring: LatencyRing, from: number, to: number): void {
  const sample = emptySample();
  for (let i = from; i < to; i++) assert.equal(ring.write(fillExpected(0, i, sample)), true);
}

test('records round-trip every field; drain consumes in write order, snapshot does not', () => {
  const ring = new LatencyRing(16);
  writeSeries(ring, 0, 5);
  const snapshot = ring.snapshot();
  assert.equal(snapshot.length, 5);
  assert.deepEqual(snapshot.map((r) => r.latencyNs), [...snapshot.map((r) => r.latencyNs)].sort((a, b) => b - a), 'snapshot is slowest first');
  const drained = ring.drain();
  assert.deepEqual(drained.map((r) => r.ticket), [0, 1, 2, 3, 4]);
  const expected = emptySample();
  for (const record of drained) assertIntact(record, fillExpected(0, record.ticket, expected));
  assert.equal(ring.drain().length, 0, 'a second drain finds nothing new');
  assert.equal(ring.snapshot().length, 5, 'drained records stay visible to snapshots');
  assert.deepEqual(ring.counters, { written: 5, overwritten: 0, dropped: 0 });
});

test('overwrite accounting is exact, with and without draining', () => {
  const ring = new LatencyRing(8);
  writeSeries(ring, 0, 20);
  assert.equal(ring.overwritten, 12, 'counted before any drain');
  const first = ring.drain();
  assert.deepEqual(first.map((r) => r.ticket), [12, 13, 14, 15, 16, 17, 18, 19], 'the oldest were overwritten, the newest 8 kept');
  assert.equal(ring.overwritten, 12);
  writeSeries(ring, 20, 23);
  assert.deepEqual(ring.drain().map((r) => r.ticket), [20, 21, 22]);
  assert.equal(ring.overwritten, 12, 'no loss while the drain keeps up');
  writeSeries(ring, 23, 123);
  assert.equal(ring.overwritten, 12 + 92);
  ring.catchUp();
  assert.equal(ring.overwritten, 104, 'catchUp moves the cursor without changing the count');
  assert.deepEqual(ring.drain().map((r) => r.ticket), [115, 116, 117, 118, 119, 120, 121, 122]);
  assert.equal(ring.overwritten, 104);
  assert.equal(ring.counters.written, 123);
});

test('slowest() filters by latency and limits, slowest first', () => {
  const ring = new LatencyRing(64);
  const sample = emptySample();
  for (const ms of [1, 9, 3, 7, 5]) {
    sample.latencyNs = ms * 1e6;
    ring.write(sample);
  }
  assert.deepEqual(ring.slowest(4e6, 2).map((r) => r.latencyNs / 1e6), [9, 7]);
  assert.deepEqual(ring.slowest(4e6).map((r) => r.latencyNs / 1e6), [9, 7, 5]);
});

test('a ring is rebuilt from its SharedArrayBuffer; bad capacities and foreign buffers are refused', () => {
  const ring = new LatencyRing(32);
  writeSeries(ring, 0, 3);
  const view = new LatencyRing(ring.buffer);
  assert.equal(view.capacity, 32);
  writeSeries(view, 3, 4);
  assert.deepEqual(ring.drain().map((r) => r.ticket), [0, 1, 2, 3]);
  for (const bad of [0, 3, 100, 1 << 25]) {
    assert.throws(() => new LatencyRing(bad), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_OPTION') && e.message.includes('power of two'));
  }
  assert.throws(() => new LatencyRing(new SharedArrayBuffer(1024)), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_OPTION'));
});

interface RunResult {
  delivered: LatencyRecord[];
  accepted: Uint8Array[];
  ring: LatencyRing;
}

/** Starts `writers` worker threads writing `count` records each while this thread drains concurrently. */
async function runWriters(capacity: number, writers: number, count: number): Promise<RunResult> {
  const ring = new LatencyRing(capacity);
  const go = new SharedArrayBuffer(4);
  const url = new URL('./fixtures/ring-writer.js', import.meta.url);
  const workers = Array.from({ length: writers }, (_, writer) => new Worker(url, {
    workerData: { role: 'ring-writer', buffer: ring.buffer, go, writer, count } satisfies RingWriterData,
  }));
  const results = workers.map((worker) => new Promise<Uint8Array>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  }));
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
  const delivered: LatencyRecord[] = [];
  let finished = false;
  const all = Promise.all(results).finally(() => { finished = true; });
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
  const deadline = Date.now() + 60_000;
  while (!finished && Date.now() < deadline) {
    delivered.push(...ring.drain());
    await new Promise((resolve) => setImmediate(resolve));
  }
  const accepted = await all;
  delivered.push(...ring.drain());
  await Promise.all(workers.map((worker) => worker.terminate()));
  return { delivered, accepted, ring };
}

function checkDelivered(result: RunResult): number {
  const seen = new Set<number>();
  const expected = emptySample();
  for (const record of result.delivered) {
    const writer = Number.parseInt(record.traceId.slice(0, 8), 16);
    const i = Number.parseInt(record.traceId.slice(8, 16), 16);
    assertIntact(record, fillExpected(writer, i, expected));
    assert.equal(result.accepted[writer]![i], 1, `record ${writer}/${i} was delivered but its write was not accepted`);
    const key = writer * 1e7 + i;
    assert.ok(!seen.has(key), `record ${writer}/${i} delivered twice`);
    seen.add(key);
  }
  return seen.size;
}

test('concurrent writers in 4 worker threads: every accepted record is delivered intact, exactly once', async () => {
  const writers = 4;
  const count = 25_000;
  const result = await runWriters(1 << 17, writers, count);
  const acceptedTotal = result.accepted.reduce((n, a) => n + a.reduce((s, v) => s + v, 0), 0);
  assert.equal(acceptedTotal, writers * count, 'with room for everything, no write is refused');
  assert.equal(checkDelivered(result), writers * count);
  assert.deepEqual(result.ring.counters, { written: writers * count, overwritten: 0, dropped: 0 });
});

test('concurrent writers lapping a small ring: no torn record, and accepted + dropped = delivered + overwritten', async () => {
  const writers = 4;
  const count = 50_000;
  const result = await runWriters(256, writers, count);
  const delivered = checkDelivered(result);
  const acceptedTotal = result.accepted.reduce((n, a) => n + a.reduce((s, v) => s + v, 0), 0);
  const { written, overwritten, dropped } = result.ring.counters;
  assert.equal(written, writers * count);
  assert.equal(acceptedTotal + dropped, written);
  assert.equal(delivered + overwritten, written, 'every claimed record is either delivered or counted as overwritten');
  assert.ok(overwritten > 0, 'the ring was lapped (the test exercises overwriting)');
});
