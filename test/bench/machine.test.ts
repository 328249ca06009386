import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineLines, sampleMachine } from '../../bench/service/machine.js';

test('machine lines: load at both ends, the steal share of the CPU ticks between, and a warning only when the floor did not hold', () => {
  const before = { load: 0.5, ticks: { total: 1_000, steal: 10 } };
  const after = { load: 3.7, ticks: { total: 3_000, steal: 60 } };
  const quiet = machineLines(before, after, 12.5);
  assert.deepEqual(quiet, ['- machine: load average 0.50 at the start, 3.70 at the end, CPU steal 2.5 % of CPU time']);
  const saturated = machineLines(before, after, 139.854);
  assert.equal(saturated.length, 2);
  assert.match(saturated[1]!, /the trivial server's own idle P999 was 139\.854 ms, above the 9–40 ms/);
  assert.deepEqual(machineLines({ load: 1, ticks: undefined }, { load: 1, ticks: undefined }, 5), ['- machine: load average 1.00 at the start, 1.00 at the end']);
});

test('sampleMachine reads this Linux machine: CPU ticks grow, steal is part of them', async () => {
  const first = sampleMachine();
  const end = performance.now() + 50;
  while (performance.now() < end) { /* use some CPU so the tick counters move */ }
  const second = sampleMachine();
  assert.ok(first.ticks && second.ticks, '/proc/stat was read');
  assert.ok(second.ticks.total > first.ticks.total, 'the tick total grows');
  assert.ok(second.ticks.steal <= second.ticks.total && second.ticks.steal >= first.ticks.steal);
  assert.ok(second.load >= 0);
});
