/** TailSampler.configure: a config reload swaps the threshold and rates of a running sampler, whole or not at all. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { RouteTable } from '../../src/observability/route-table.js';
import { TailSampler } from '../../src/observability/sampler.js';

function keptOf(sampler: TailSampler, id: number, n: number, latencyNs = 1e5): number {
  let kept = 0;
  for (let i = 0; i < n; i++) if (sampler.keep(id, latencyNs) > 0) kept++;
  return kept;
}

test('configure() applies new rates and threshold to the next requests; a bad rate changes nothing', () => {
  const routes = new RouteTable();
  const status = routes.idFor('GET /v1/exports/:id');
  const health = routes.idFor('GET /healthz');
  const sampler = new TailSampler(routes, { thresholdMs: 5, rates: { 'GET /healthz': 0 } });
  assert.equal(keptOf(sampler, health, 1000), 0);
  assert.equal(keptOf(sampler, status, 1000), 100, 'the default rate 0.1 for routes not listed');

  sampler.configure({ thresholdMs: 1, rates: { 'GET /healthz': 1, 'GET /v1/exports/:id': 0.5 } });
  assert.equal(keptOf(sampler, health, 1000), 1000);
  assert.equal(keptOf(sampler, status, 1000), 500);
  assert.equal(sampler.thresholdNs, 1e6);
  assert.equal(keptOf(sampler, health, 10, 2e6), 10, 'at least 1 ms is slow now: always kept');

  assert.throws(() => sampler.configure({ thresholdMs: 0, rates: { 'GET /healthz': 1.5 } }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_OBSERVABILITY_OPTION'));
  assert.equal(sampler.thresholdNs, 1e6, 'the threshold stayed');
  assert.equal(keptOf(sampler, status, 1000), 500, 'the rates stayed');

  // A route registered after the reconfiguration gets the new default rate.
  sampler.configure({ defaultRate: 0.25 });
  const late = routes.idFor('GET /late');
  assert.equal(keptOf(sampler, late, 1000), 250);
  assert.equal(keptOf(sampler, health, 1000), 250, 'a route no longer listed takes the default rate');
});
