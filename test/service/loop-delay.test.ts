/** Admission reads the event-loop delay without the sampling timer's own interval (the old floor was ~10 ms). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalHistogram } from 'node:perf_hooks';
import { loopDelayMs, maxLoopDelayMs } from '../../src/observability/loop-delay.js';
import { SERVICE_METRICS } from '../../src/observability/metric-names.js';
import { PG_URL } from './helpers/data.js';
import { startChildServer } from './helpers/child.js';
import { TOKEN, makeTempDir, removeDir } from './helpers/server.js';

test('loopDelayMs subtracts the resolution, clamps at 0 and reads an empty histogram as 0', () => {
  const histogram = (values: Record<number, number>, max: number, count = 1): IntervalHistogram =>
    ({ count, max, percentile: (p: number) => values[p] ?? 0 }) as unknown as IntervalHistogram;
  assert.equal(loopDelayMs(histogram({ 50: 10.2e6 }, 0), 10, 50).toFixed(3), '0.200');
  assert.equal(loopDelayMs(histogram({ 99: 60e6 }, 0), 10, 99), 50, 'a 50 ms block reads as 50 ms');
  assert.equal(loopDelayMs(histogram({ 50: 9.9e6 }, 0), 10, 50), 0, 'a timer that fired early is no negative delay');
  assert.equal(loopDelayMs(histogram({ 50: 12e6 }, 0, 0), 10, 50), 0);
  assert.equal(maxLoopDelayMs(histogram({}, 35e6), 10), 25);
});

test('an idle service reports an event-loop delay under 2 ms at P50 (/readyz and /metrics)', async () => {
  const dir = await makeTempDir();
  const child = await startChildServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { one: { source: 'pg', query: 'select 1 as one' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
  });
  try {
    // Five one-second windows, each read after it closed; the median is judged (one reading may catch a GC).
    const readings: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const ready = (await (await fetch(`${child.url}/readyz`)).json()) as { measures: { eventLoopDelayP50Ms: number; eventLoopDelayP99Ms: number } };
      readings.push(ready.measures.eventLoopDelayP50Ms);
    }
    const median = [...readings].sort((a, b) => a - b)[2] as number;
    assert.ok(median < 2, `P50 readings (ms): ${readings.join(', ')}`);

    // The observability metric the dashboard plots has the same correction.
    const metrics = await (await fetch(`${child.url}/metrics`)).text();
    const p50 = /sheetpipe_event_loop_delay_seconds\{quantile="0.5"\} (\S+)/.exec(metrics)?.[1];
    assert.ok(p50 !== undefined, 'the metric is exported');
    assert.ok(Number(p50) < 0.002, `sheetpipe_event_loop_delay_seconds{quantile="0.5"} = ${p50}`);
    // Every service metric the dashboard plots is exported, the storage gauges with a measured value.
    for (const name of SERVICE_METRICS) assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
    const free = /^sheetpipe_storage_free_bytes (\d+)/m.exec(metrics)?.[1];
    assert.ok(free !== undefined && Number(free) > 0, `sheetpipe_storage_free_bytes = ${free}`);
  } finally {
    child.child.kill('SIGTERM');
    await child.exited;
    await removeDir(dir);
  }
});
