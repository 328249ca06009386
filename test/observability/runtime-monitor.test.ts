import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { monotonicNs } from '../../src/observability/clock.js';
import { RuntimeMonitor } from '../../src/observability/runtime-monitor.js';
import { isSheetpipeError } from '../../src/errors.js';

const gc = (globalThis as { gc?: () => void }).gc;
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop on purpose */ }
};
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('a stall in progress and a finished stall are both seen; a quiet window shows none', async () => {
  const monitor = new RuntimeMonitor().start();
  try {
    await sleep(30);
    const quietStart = monotonicNs();
    await sleep(30);
    // Well under the 100 ms stall below; a loaded CI machine may deschedule an idle process for several ms.
    const quiet = monitor.eventLoopStallNs(quietStart, monotonicNs());
    assert.ok(quiet < 30e6, `an idle loop has no stall: ${quiet / 1e6} ms`);
    const start = monotonicNs();
    busy(100);
    assert.ok(monitor.currentEventLoopDelayMs() >= 60, `in-progress stall seen: ${monitor.currentEventLoopDelayMs()} ms`);
    const end = monotonicNs();
    const during = monitor.eventLoopStallNs(start, end);
    assert.ok(during >= 60e6 && during <= end - start, `stall inside the window: ${during / 1e6} ms`);
    await sleep(25); // the next tick records it
    assert.ok(monitor.eventLoopStallNs(start, end) >= 60e6, 'the recorded stall keeps the window attributed');
    // Once the loop runs freely again, ticks come on time (a late wake-up may first run this before an overdue tick).
    const deadline = performance.now() + 1000;
    while (monitor.currentEventLoopDelayMs() >= 5 && performance.now() < deadline) await sleep(5);
    assert.ok(monitor.currentEventLoopDelayMs() < 5, `no stall once the loop is free: ${monitor.currentEventLoopDelayMs()} ms`);
  } finally {
    monitor.stop();
  }
});

test('GC pauses are remembered with their time, and exported as metrics with the loop delay and ELU', async () => {
  assert.ok(gc, 'tests run with --expose-gc');
  const registry = new Registry();
  const monitor = new RuntimeMonitor({ registry }).start();
  try {
    const retained = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    // Settle the heap first: after the allocation V8 may finish incremental marking at any moment (Node 24 did,
    // inside the quiet window), and the quiet window must really be quiet.
    gc();
    await sleep(20);
    const before = monotonicNs();
    await sleep(5);
    const start = monotonicNs();
    gc();
    const end = monotonicNs();
    await settle();
    const pause = monitor.gcPauseNs(start, end);
    assert.ok(pause > 0 && pause <= end - start, `GC pause inside the window: ${pause / 1e6} ms`);
    assert.equal(monitor.gcPauseNs(before, start - 1e6), 0, 'no GC in the quiet window before');
    busy(20);
    await sleep(20);
    const text = await registry.metrics();
    assert.match(text, /sheetpipe_gc_pause_seconds_count\{kind="major"\} [1-9]/);
    assert.match(text, /sheetpipe_event_loop_delay_seconds\{quantile="0.99"\} 0\.\d+/);
    // The 20 ms block, less the part of the sampler's 10 ms interval it fell into: the sampler measures from its last
    // run, and the reading is net of its own interval (loop-delay.ts), so at least 10 ms. GC pauses on a loaded
    // machine may make it larger.
    const max = /sheetpipe_event_loop_delay_seconds\{quantile="1"\} ([\d.e-]+)/.exec(text);
    assert.ok(max && Number(max[1]) >= 0.0095, `the 20 ms block shows in the max: ${max?.[1]}`);
    const elu = /sheetpipe_event_loop_utilization ([\d.e-]+)/.exec(text);
    assert.ok(elu && Number(elu[1]) > 0 && Number(elu[1]) <= 1, text);
    assert.equal(retained.length, 200_000);
    assert.throws(() => new RuntimeMonitor({ registry }), (e: unknown) => isSheetpipeError(e, 'SHEETPIPE_ERR_OBSERVABILITY_OPTION') && e.message.includes('already registered'));
  } finally {
    monitor.stop();
  }
});
