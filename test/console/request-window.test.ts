/** RequestWindow: per-second latency bins, percentiles within a bin's width, old seconds forgotten. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestWindow } from '../../src/service/ops/request-window.js';

test('percentiles of recorded latencies, within the ~19 % bin width, and a per-step rate', () => {
  let now = 1_000_000_000;
  const window = new RequestWindow(60, () => now);
  // 1,000 requests in one second: 989 at 2 ms, 10 at 50 ms, 1 at 400 ms.
  for (let i = 0; i < 989; i++) window.record(2);
  for (let i = 0; i < 10; i++) window.record(50);
  window.record(400);
  now += 1000;
  const { series, summary } = window.read(10, 5);
  assert.equal(summary.count, 1000);
  const near = (actual: number | null, expected: number): void => {
    assert.ok(actual !== null && actual >= expected && actual <= expected * 1.19, `${actual} ≈ ${expected}`);
  };
  near(summary.p50Ms, 2);
  near(summary.p99Ms, 50);
  near(summary.p999Ms, 50);
  assert.deepEqual(series.t.length, 2);
  assert.equal(series.rate[1], 200, 'the step holding the burst: 1,000 requests over 5 s');
  assert.equal(series.p50[0], null, 'a step without requests has no percentile');
});

test('a second older than the window is not read, and its row is reused', () => {
  let now = 5_000_000;
  const window = new RequestWindow(10, () => now);
  window.record(100);
  now += 10_000; // same row, ten seconds later
  window.record(1);
  now += 1000;
  const { summary } = window.read();
  assert.equal(summary.count, 1);
  assert.ok((summary.p999Ms as number) >= 1 && (summary.p999Ms as number) < 1.19, 'only the 1 ms request counts');
});
