import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { createObservability } from '../../src/observability/fastify-plugin.js';
import { currentTrace } from '../../src/observability/trace-context.js';
import { FLAG_SLOW, FLAG_STREAMED } from '../../src/observability/latency-record.js';
import { DEFAULT_SAMPLE_RATES } from '../../src/observability/sampler.js';
import { buildLatencyReport } from '../../src/observability/latency-report.js';
import type { DebugLatency } from '../../src/observability/attribution.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop on purpose */ }
};
let traceCounter = 0;
const newTraceId = (): string => `${(0xabc00000 + ++traceCounter).toString(16)}${'1'.repeat(24)}`;
const PARENT_SPAN = '00f067aa0ba902b7';

test('the plugin over loopback HTTP: trace headers, ALS, sampling, attribution, /debug/latency, flushed log', async () => {
  assert.ok(typeof gc === 'function', 'tests run with --expose-gc');
  // A live heap makes a full GC take tens of milliseconds.
  const retained = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-obs-'));
  const registry = new Registry();
  const obs = createObservability({
    registry,
    latencyLog: join(dir, 'latency.bin'),
    flushIntervalMs: 50,
    sampleRates: { ...DEFAULT_SAMPLE_RATES, 'GET /stream': 1 },
    authorize: (request) => request.headers.authorization === 'Bearer admin',
    asyncContext: true, // the handlers below read currentTrace()
  });
  const app = Fastify();
  await app.register(obs.plugin);
  app.get<{ Params: { id: string } }>('/v1/exports/:id', async (request) => ({ id: request.params.id, traceId: currentTrace()?.traceId }));
  app.post('/v1/exports', async (request, reply) => {
    obs.coloring.hop(request.sheetpipeTrace!, 'db');
    obs.coloring.hop(request.sheetpipeTrace!, 'db'); // once per request
    reply.code(202);
    return { traceId: currentTrace()?.traceId, color: currentTrace()?.color, body: request.body };
  });
  app.get('/induce/gc', async () => {
    gc();
    return { ok: true };
  });
  app.get('/induce/block', async () => {
    busy(30);
    return { ok: true };
  });
  app.get('/induce/queued', async (request) => {
    // Long enough that a few ms of descheduling on a loaded machine cannot outweigh it as a cause.
    await sleep(100);
    request.sheetpipeQueuedMs = 100;
    return { ok: true };
  });
  app.get('/induce/db', async (request) => {
    const started = performance.now();
    await sleep(60);
    request.sheetpipeDbMs += performance.now() - started;
    return { ok: true };
  });
  app.get('/induce/slow', async () => {
    await sleep(6);
    return { ok: true };
  });
  app.get('/stream', { config: { sheetpipeStreams: true } }, (_request, reply) => {
    reply.type('text/plain').send(Readable.from(['a', 'b']));
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const get = async (path: string, traceId = newTraceId(), init: RequestInit = {}) => {
    const response = await fetch(base + path, { ...init, headers: { traceparent: `00-${traceId}-${PARENT_SPAN}-01`, ...(init.headers as Record<string, string>) } });
    await response.arrayBuffer();
    return { response, traceId };
  };
  const debug = async (query: string): Promise<DebugLatency> => {
    const response = await fetch(`${base}/debug/latency?${query}`, { headers: { authorization: 'Bearer admin' } });
    assert.equal(response.status, 200);
    return (await response.json()) as DebugLatency;
  };

  let recordedInRing = 0;
  try {
    // Trace headers in and out, and the context in AsyncLocalStorage inside handlers (also after body parsing).
    const traceId = newTraceId();
    const posted = await fetch(`${base}/v1/exports`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-${PARENT_SPAN}-01`, baggage: 'color=canary', 'content-type': 'application/json' },
      body: JSON.stringify({ report: 'orders' }),
    });
    assert.deepEqual(await posted.json(), { traceId, color: 'canary', body: { report: 'orders' } });
    const echoed = posted.headers.get('traceparent')!;
    assert.match(echoed, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.notEqual(echoed.split('-')[2], PARENT_SPAN, 'the server span id is its own');
    const untraced = await fetch(`${base}/v1/exports/1`);
    const untracedBody = (await untraced.json()) as { traceId: string };
    assert.match(untracedBody.traceId, /^[0-9a-f]{32}$/, 'a trace id is generated when absent');
    assert.equal(untraced.headers.get('traceparent')?.split('-')[1], untracedBody.traceId);

    // Induced spikes, each attributed to its cause.
    const gcTrace = (await get('/induce/gc')).traceId;
    const blockTrace = (await get('/induce/block')).traceId;
    const queuedTrace = (await get('/induce/queued')).traceId;
    const dbTrace = (await get('/induce/db')).traceId;
    const streamTrace = (await get('/stream')).traceId;
    const slowTraces: string[] = [];
    for (let i = 0; i < 30; i++) slowTraces.push((await get('/induce/slow')).traceId);
    for (let i = 0; i < 300; i++) await get(`/v1/exports/${i}`);

    const body = await debug('minMs=5&limit=100');
    const byTrace = new Map(body.records.map((r) => [r.traceId, r]));
    assert.deepEqual(Object.keys(body), ['records', 'overwritten']);
    assert.equal(body.overwritten, 0);
    assert.deepEqual(Object.keys(body.records[0]!), ['traceId', 'route', 'status', 'latencyMs', 'queuedMs', 'eventLoopDelayMs', 'gc', 'cause']);
    assert.deepEqual(body.records.map((r) => r.latencyMs), [...body.records.map((r) => r.latencyMs)].sort((a, b) => b - a), 'slowest first');
    const gcRecord = byTrace.get(gcTrace);
    assert.ok(gcRecord, 'the GC request was recorded');
    assert.equal(gcRecord.route, 'GET /induce/gc');
    assert.equal(gcRecord.status, 200);
    assert.equal(gcRecord.gc, true);
    assert.equal(gcRecord.cause, 'gc', JSON.stringify(gcRecord));
    const blockRecord = byTrace.get(blockTrace);
    assert.equal(blockRecord?.cause, 'event-loop', JSON.stringify(blockRecord));
    assert.ok(blockRecord.eventLoopDelayMs >= 15, JSON.stringify(blockRecord));
    const queuedRecord = byTrace.get(queuedTrace);
    assert.equal(queuedRecord?.cause, 'queued', JSON.stringify(queuedRecord));
    assert.equal(queuedRecord.queuedMs, 100);
    assert.equal(byTrace.get(dbTrace)?.cause, 'database', JSON.stringify(byTrace.get(dbTrace)));
    for (const slow of slowTraces) assert.ok(byTrace.has(slow), `slow request ${slow} was kept`);

    // Fast status reads (301 in all) are sampled at exactly 1 %; any the shared machine made slow are all kept.
    const statusRoute = obs.routes.idFor('GET /v1/exports/:id');
    const reads = obs.ring.snapshot().filter((r) => r.routeId === statusRoute);
    const slowReads = reads.filter((r) => (r.flags & FLAG_SLOW) !== 0);
    const fastReads = reads.filter((r) => (r.flags & FLAG_SLOW) === 0);
    assert.ok(slowReads.every((r) => r.latencyNs >= 5e6 && r.weight === 1));
    assert.equal(fastReads.length, Math.floor((301 - slowReads.length) / 100));
    assert.ok(fastReads.length >= 2 && fastReads.every((r) => r.weight === 100 && r.latencyNs < 5e6));
    const stream = obs.ring.snapshot().find((r) => r.traceId === streamTrace);
    assert.ok(stream && (stream.flags & FLAG_STREAMED) !== 0 && stream.ttfbUs > 0 && stream.ttfbUs <= stream.latencyNs / 1e3);

    // Access and parameter checks on the debug route.
    const anonymous = await fetch(`${base}/debug/latency`);
    assert.equal(anonymous.status, 403);
    assert.equal(((await anonymous.json()) as { code: string }).code, 'SHEETPIPE_ERR_OBSERVABILITY_FORBIDDEN');
    for (const bad of ['minMs=-1', 'minMs=abc', 'limit=0', 'limit=1.5', 'limit=100000']) {
      const response = await fetch(`${base}/debug/latency?${bad}`, { headers: { authorization: 'Bearer admin' } });
      assert.equal(response.status, 400, bad);
    }

    const metrics = await registry.metrics();
    assert.match(metrics, /sheetpipe_color_requests_total\{color="canary"\} 1\n/);
    assert.match(metrics, /sheetpipe_color_hops_total\{color="canary",hop="db"\} 1\n/);
  } finally {
    recordedInRing = obs.ring.snapshot().length;
    await app.close(); // flushes the latency log
  }
  try {
    const report = await buildLatencyReport(join(dir, 'latency.bin'));
    const route = (name: string) => report.routes.find((r) => r.route === name);
    assert.equal(route('GET /induce/gc')?.spikes.gc, 1);
    assert.equal(route('GET /induce/block')?.spikes['event-loop'], 1);
    assert.equal(route('GET /induce/slow')?.records, 30);
    // Everything the ring held reaches the file: 30 slow, 4 induced, the stream and at least 2 sampled reads.
    assert.equal(report.records, recordedInRing, 'the flushed log holds every record the ring held');
    assert.ok(report.records >= 30 + 4 + 1 + 2, `records in the flushed log: ${report.records}`);
    assert.equal(retained.length, 300_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
