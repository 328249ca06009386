import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, slowest } from '../../src/observability/attribution.js';
import { LatencyRing } from '../../src/observability/latency-ring.js';
import { FLAG_GC, emptySample, traceIdWords } from '../../src/observability/latency-record.js';
import { RouteTable } from '../../src/observability/route-table.js';

const record = (latencyMs: number, amounts: { gcMs?: number; loopMs?: number; queuedMs?: number; dbMs?: number }) => ({
  latencyNs: latencyMs * 1e6,
  gcUs: (amounts.gcMs ?? 0) * 1e3,
  eventLoopUs: (amounts.loopMs ?? 0) * 1e3,
  queuedUs: (amounts.queuedMs ?? 0) * 1e3,
  dbUs: (amounts.dbMs ?? 0) * 1e3,
});

test('classify: the largest significant amount wins; GC is taken out of the event-loop stall', () => {
  assert.equal(classify(record(40, { gcMs: 30, loopMs: 32 })), 'gc', 'a GC pause also stalls the loop; the stall minus GC is 2 ms');
  assert.equal(classify(record(40, { gcMs: 2, loopMs: 32 })), 'event-loop');
  assert.equal(classify(record(40, { queuedMs: 30, dbMs: 5 })), 'queued');
  assert.equal(classify(record(40, { queuedMs: 5, dbMs: 30 })), 'database');
  assert.equal(classify(record(40, { gcMs: 8, loopMs: 8 })), 'none', '8 ms of 40 is under the 25 % share');
  assert.equal(classify(record(40, { gcMs: 10, loopMs: 10 })), 'gc', 'exactly 25 % counts');
  assert.equal(classify(record(2, { gcMs: 0.9 })), 'none', 'under the 1 ms floor');
  assert.equal(classify(record(2, { gcMs: 1 })), 'gc');
  assert.equal(classify(record(40, {})), 'none');
  assert.equal(classify(record(40, { gcMs: 15, queuedMs: 15 })), 'gc', 'ties go in the documented order');
});

test('slowest(): the /debug/latency contract, slowest first, with route names and overwritten count', () => {
  const routes = new RouteTable();
  const id = routes.idFor('GET /v1/exports/:id');
  const ring = new LatencyRing(4);
  const sample = emptySample();
  const write = (traceId: string, latencyMs: number, gcMs: number): void => {
    traceIdWords(traceId, sample);
    Object.assign(sample, { routeId: id, status: 200, latencyNs: latencyMs * 1e6 + 0.4, gcUs: gcMs * 1e3, eventLoopUs: gcMs * 1e3 + 400, queuedUs: 0, flags: gcMs > 0 ? FLAG_GC : 0 });
    ring.write(sample);
  };
  write('0af7651916cd43dd8448eb211c80319c', 1.2345678, 0);
  write('4bf92f3577b34da6a3ce929d0e0e4736', 30, 25);
  write('ffffffffffffffffffffffffffffffff', 9, 0);
  const body = slowest(ring, routes, { minMs: 1, limit: 2 });
  assert.deepEqual(body, {
    records: [
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', route: 'GET /v1/exports/:id', status: 200, latencyMs: 30, queuedMs: 0, eventLoopDelayMs: 25.4, gc: true, cause: 'gc' },
      { traceId: 'ffffffffffffffffffffffffffffffff', route: 'GET /v1/exports/:id', status: 200, latencyMs: 9, queuedMs: 0, eventLoopDelayMs: 0.4, gc: false, cause: 'none' },
    ],
    overwritten: 0,
  });
  for (let i = 0; i < 3; i++) write('0af7651916cd43dd8448eb211c80319c', 0.1, 0);
  assert.equal(slowest(ring, routes).overwritten, 2);
  assert.equal(slowest(ring, routes, { minMs: 100 }).records.length, 0);
});
