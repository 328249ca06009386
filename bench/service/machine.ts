/**
 * The machine's state around a run: load average and the share of CPU time the hypervisor stole (/proc/stat),
 * so a results file says when the machine, not the service, set its latencies.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface MachineSample {
  readonly load: number;
  /** Cumulative ticks of all CPUs from /proc/stat's `cpu` line; undefined without /proc. */
  readonly ticks: { readonly total: number; readonly steal: number } | undefined;
}

export function sampleMachine(): MachineSample {
  let ticks: MachineSample['ticks'];
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already inside user.
    ticks = { total: fields.slice(0, 8).reduce((sum, n) => sum + n, 0), steal: fields[7] ?? 0 };
  } catch {
    ticks = undefined;
  }
  return { load: loadavg()[0] ?? 0, ticks };
}

/** The reading of this kind of machine: a trivial server's P999 at 5,000 requests/s is 9–40 ms. */
const FLOOR_P999_MS_SEEN = 40;

/** Lines for the results file: the machine over the run, and a warning when the floor itself did not hold. */
export function machineLines(before: MachineSample, after: MachineSample, floorIdleP999Ms: number): string[] {
  const total = (after.ticks?.total ?? 0) - (before.ticks?.total ?? 0);
  const steal = before.ticks && after.ticks && total > 0 ? `, CPU steal ${(((after.ticks.steal - before.ticks.steal) / total) * 100).toFixed(1)} % of CPU time` : '';
  const lines = [`- machine: load average ${before.load.toFixed(2)} at the start, ${after.load.toFixed(2)} at the end${steal}`];
  if (floorIdleP999Ms > FLOOR_P999_MS_SEEN) {
    lines.push(
      `- **the machine did not hold the load:** the trivial server's own idle P999 was ${floorIdleP999Ms} ms, above the 9–${FLOOR_P999_MS_SEEN} ms ` +
        'seen on this kind of machine, so the latencies and ratios below say more about the machine than about the service',
    );
  }
  return lines;
}
