/**
 * The cost of recording and coloring (issue 5's target: ≤ 5 % throughput, ≤ 0.1 ms added P999), as the
 * service with observability on vs off, side by side in one run. The two services answer the same
 * requests (`GET /v1/exports/:id` carrying `traceparent` and `baggage: color=…`, which the on service
 * parses, records and echoes) in alternating rounds (on-off, off-on, …) so drift of the shared machine
 * hits both alike. Each round per service: a constant-rate phase (latency, server CPU per request)
 * and a closed-loop saturation phase (most requests/s); the trivial server's floor runs once per round.
 * Results are medians over rounds; differences are medians of each round's paired difference.
 */
import type { CpuShare } from './cpu-share.js';
import type { LoadResult } from './load-generator.js';
import { cpuMs, runLoad } from './processes.js';

export interface OverheadSpec {
  readonly rounds: number;
  readonly rate: number;
  readonly seconds: number;
  readonly saturationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Target {
  readonly url: string;
  readonly pid: number;
  readonly token: string;
}

interface Measured {
  readonly fixed: LoadResult;
  /** Server CPU (all threads) per request at the constant rate, µs; undefined without /proc. */
  readonly cpuUs: number | undefined;
  readonly saturation: LoadResult;
}

export interface OverheadRound {
  readonly first: 'on' | 'off';
  readonly on: Measured;
  readonly off: Measured;
  readonly floor: LoadResult;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(target: Target, spec: OverheadSpec): Promise<Measured> {
  const base = { url: target.url, token: target.token, headers: spec.headers, connections: spec.connections, warmupSeconds: spec.warmupSeconds };
  const cpuBefore = cpuMs(target.pid);
  const fixed = await runLoad({ ...base, rate: spec.rate, durationSeconds: spec.seconds });
  const cpuAfter = cpuMs(target.pid);
  const saturation = await runLoad({ ...base, mode: 'closed', rate: 0, durationSeconds: spec.saturationSeconds });
  const cpuUs = cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) * 1000) / fixed.total;
  return { fixed, cpuUs, saturation };
}

export async function measureOverhead(on: Target, off: Target, floorUrl: string, spec: OverheadSpec, log: (line: string) => void): Promise<OverheadRound[]> {
  const rounds: OverheadRound[] = [];
  for (let i = 0; i < spec.rounds; i++) {
    const first = i % 2 === 0 ? 'on' : 'off';
    log(`overhead round ${i + 1}/${spec.rounds} (${first} first)`);
    const floor = await runLoad({ url: floorUrl, rate: spec.rate, durationSeconds: spec.seconds, warmupSeconds: spec.warmupSeconds, connections: spec.connections });
    const a = await measure(first === 'on' ? on : off, spec);
    const b = await measure(first === 'on' ? off : on, spec);
    rounds.push(first === 'on' ? { first, on: a, off: b, floor } : { first, on: b, off: a, floor });
  }
  return rounds;
}

const fmt = (value: number | undefined, digits = 3): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits));
const signed = (value: number, digits: number, unit = ''): string => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;

/** The markdown section: medians, paired differences against the targets, and every round (the noise). */
export function overheadSection(rounds: readonly OverheadRound[], spec: OverheadSpec, share: CpuShare | undefined): string[] {
  const pick = (side: 'on' | 'off', get: (m: Measured) => number | undefined): number[] =>
    rounds.map((r) => get(r[side])).filter((v): v is number => v !== undefined);
  const paired = (get: (m: Measured) => number | undefined, combine: (on: number, off: number) => number): number => {
    const values = rounds.flatMap((r) => {
      const on = get(r.on);
      const off = get(r.off);
      return on === undefined || off === undefined ? [] : [combine(on, off)];
    });
    return values.length === 0 ? Number.NaN : median(values);
  };
  const sat = (m: Measured): number => m.saturation.requestsPerSecond;
  const p999 = (m: Measured): number => m.fixed.p999Ms;
  const throughputCost = paired(sat, (on, off) => (1 - on / off) * 100);
  const addedP999 = paired(p999, (on, off) => on - off);
  const cpuCost = paired((m) => m.cpuUs, (on, off) => (on / off - 1) * 100);
  // Round-to-round spread of the off service alone: a difference inside it is noise, not overhead.
  const spread = (values: number[]): number => (values.length > 1 ? Math.max(...values) - Math.min(...values) : 0);
  const p999Noise = spread(pick('off', p999));
  const offSat = pick('off', sat);
  const satNoise = offSat.length > 0 ? (spread(offSat) / median(offSat)) * 100 : 0;
  const verdict = (value: number, target: number, noise: number): string => {
    if (!Number.isFinite(value)) return 'n/a';
    if (value <= target) return 'met';
    return noise > value ? 'not shown: inside the round-to-round noise' : 'not met';
  };
  const rows: [string, (m: Measured) => number | undefined, number][] = [
    ['saturation requests/s (closed loop)', sat, 0],
    [`server CPU per request at ${spec.rate}/s, µs`, (m) => m.cpuUs, 1],
    [`P50 at ${spec.rate}/s, ms`, (m) => m.fixed.p50Ms, 3],
    [`P99 at ${spec.rate}/s, ms`, (m) => m.fixed.p99Ms, 3],
    [`P999 at ${spec.rate}/s, ms`, p999, 3],
    [`achieved requests/s at ${spec.rate}/s`, (m) => m.fixed.requestsPerSecond, 0],
  ];
  return [
    '## Recording and coloring overhead: observability on vs off',
    '',
    `${rounds.length} alternating rounds (on first in odd rounds, off first in even ones). Per round and service: ${spec.seconds} s at`,
    `${spec.rate} requests/s, then ${spec.saturationSeconds} s closed-loop over ${spec.connections} connections (each after ${spec.warmupSeconds} s unrecorded warm-up).`,
    `Every request carries \`traceparent\` and \`baggage: color=canary\`. Medians over rounds; "difference" is the median of the rounds' paired differences.`,
    '',
    '| measure | obs off | obs on | difference |',
    '| --- | --- | --- | --- |',
    ...rows.map(([name, get, digits]) => {
      const off = pick('off', get);
      const on = pick('on', get);
      const diff = paired(get, (a, b) => a - b);
      return `| ${name} | ${off.length ? fmt(median(off), digits) : 'n/a'} | ${on.length ? fmt(median(on), digits) : 'n/a'} | ${Number.isFinite(diff) ? signed(diff, digits) : 'n/a'} |`;
    }),
    '',
    `- throughput cost: ${fmt(throughputCost, 1)} % (target ≤ 5 %: ${verdict(throughputCost, 5, satNoise)}); the off service's own saturation rate spread over ${fmt(satNoise, 0)} % between rounds`,
    `- server CPU per request: ${Number.isFinite(cpuCost) ? signed(cpuCost, 1, ' %') : 'n/a'} with observability on`,
    `- added P999: ${Number.isFinite(addedP999) ? signed(addedP999, 3, ' ms') : 'n/a'} (target ≤ 0.1 ms: ${verdict(addedP999, 0.1, p999Noise)}); the off service's own P999 spread over ${fmt(p999Noise)} ms between rounds`,
    share === undefined
      ? '- CPU profile share: n/a'
      : `- CPU profile of the on service at ${spec.rate}/s (${share.busyMs} ms busy on the main thread): observability code ${fmt(share.observabilityPercent, 2)} %, async_hooks ${fmt(share.asyncHooksPercent, 2)} % of it (service/cpu-share.ts; a share of one process's samples, which the machine's noise does not move)`,
    '',
    '| round | first | floor P999 ms | off P999 ms | on P999 ms | off sat. req/s | on sat. req/s | off CPU µs/req | on CPU µs/req |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map((r, i) =>
      `| ${i + 1} | ${r.first} | ${fmt(r.floor.p999Ms)} | ${fmt(r.off.fixed.p999Ms)} | ${fmt(r.on.fixed.p999Ms)} | ${sat(r.off)} | ${sat(r.on)} | ${fmt(r.off.cpuUs, 1)} | ${fmt(r.on.cpuUs, 1)} |`),
    '',
  ];
}
