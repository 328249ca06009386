import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from '../../src/observability/route-table.js';
import { TailSampler } from '../../src/observability/sampler.js';
import { isSheetpipeError } from '../../src/errors.js';

test('slow requests are always kept; fast ones at the exact per-route rate, with weights', () => {
  const routes = new RouteTable();
  const status = routes.idFor('GET /v1/exports/:id');
  const create = routes.idFor('POST /v1/exports');
  const other = routes.idFor('GET /healthz');
  const sampler = new TailSampler(routes, { thresholdMs: 5 });
  const kept = { status: 0, create: 0, other: 0, slow: 0 };
  const weights = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const w = sampler.keep(status, 1e6);
    if (w > 0) {
      kept.status++;
      weights.add(w);
    }
    if (sampler.keep(create, 1e6) > 0) kept.create++;
    if (sampler.keep(other, 1e6) > 0) kept.other++;
    if (sampler.keep(status, 5e6 + i) === 1) kept.slow++;
  }
  assert.deepEqual(kept, { status: 100, create: 10_000, other: 1000, slow: 10_000 });
  assert.deepEqual([...weights], [100]);
});

test('the rate backs off while records are overwritten and recovers when healthy; slow ones never shed', () => {
  const routes = new RouteTable();
  const id = routes.idFor('GET /v1/exports/:id');
  const sampler = new TailSampler(routes, { rates: { 'GET /v1/exports/:id': 0.5 }, recoverAfter: 2 });
  const keptOf = (n: number): number => {
    let kept = 0;
    for (let i = 0; i < n; i++) if (sampler.keep(id, 1e5) > 0) kept++;
    return kept;
  };
  assert.equal(keptOf(1000), 500);
  sampler.adapt(10);
  sampler.adapt(25);
  assert.equal(sampler.scale, 0.25);
  assert.equal(keptOf(1000), 125);
  assert.equal(sampler.keep(id, 6e6), 1, 'a slow request is kept whatever the back-off');
  sampler.adapt(25);
  sampler.adapt(25);
  assert.equal(sampler.scale, 0.5);
  sampler.adapt(25);
  sampler.adapt(25);
  assert.equal(sampler.scale, 1);
  for (let i = 0; i < 20; i++) sampler.adapt(100 + i);
  assert.equal(sampler.scale, 1 / 64, 'bounded below');
});

test('bad rates and thresholds are refused with the option named', () => {
  const routes = new RouteTable();
  assert.throws(() => new TailSampler(routes, { rates: { 'GET /x': 2 } }), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_OPTION') && e.message.includes('sampleRates["GET /x"]'));
  assert.throws(() => new TailSampler(routes, { thresholdMs: -1 }), /thresholdMs/);
});
