/**
 * Open-loop, constant-rate HTTP load generator (run in its own process). Request i is due at
 * start + i / rate whether or not earlier ones have answered; its latency is measured from that
 * scheduled time, so a stalled server shows up as latency instead of a lower send rate
 * (no coordinated omission). Latencies go into an HDR histogram in nanoseconds.
 *
 * The first `warmupSeconds` run at the same rate but are not recorded (JIT, connection set-up).
 *
 * argv[2]: JSON LoadSpec. Prints one JSON line: LoadResult.
 */
import { Agent, request } from 'node:http';
import { build } from 'hdr-histogram-js';

export interface LoadSpec {
  readonly url: string;
  readonly rate: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly warmupSeconds?: number;
  readonly token?: string;
}

export interface LoadResult {
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  /** Completed requests per second of wall time. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

const nowNs = (): number => Number(process.hrtime.bigint());

async function run(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  // 1 ns .. 2 min, 3 significant digits.
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120e9, numberOfSignificantValueDigits: 3, bitBucketSize: 64 });
  const headers = spec.token === undefined ? {} : { authorization: `Bearer ${spec.token}` };
  const warmup = Math.round(spec.rate * (spec.warmupSeconds ?? 0));
  const total = warmup + Math.round(spec.rate * spec.durationSeconds);
  const intervalNs = 1e9 / spec.rate;
  let sent = 0;
  let settled = 0;
  let completed = 0;
  let errors = 0;
  let settle: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  const finish = (index: number, scheduledNs: number, ok: boolean): void => {
    if (index >= warmup) {
      histogram.recordValue(Math.max(nowNs() - scheduledNs, 1));
      completed++;
      if (!ok) errors++;
    }
    if (++settled === total) settle();
  };
  const fire = (index: number, scheduledNs: number): void => {
    const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      res.resume();
      res.on('end', () => finish(index, scheduledNs, res.statusCode === 200));
      res.on('error', () => finish(index, scheduledNs, false));
    });
    req.on('error', () => finish(index, scheduledNs, false));
    req.end();
  };
  const start = nowNs();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = nowNs();
      while (sent < total && start + sent * intervalNs <= now) {
        fire(sent, start + sent * intervalNs);
        sent++;
      }
      // setImmediate, not a timer: timers have 1 ms granularity, which would add up to 1 ms to every latency.
      if (sent < total) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  // In-flight requests get 30 s; the rest count as errors.
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 30_000).unref());
  await Promise.race([allDone, timeout]);
  const elapsedSeconds = (nowNs() - start) / 1e9 - (spec.warmupSeconds ?? 0);
  const measured = total - warmup;
  errors += measured - completed;
  agent.destroy();
  const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;
  return {
    sent: measured, completed, errors,
    requestsPerSecond: Math.round(completed / elapsedSeconds),
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    p999Ms: ms(histogram.getValueAtPercentile(99.9)),
    maxMs: ms(histogram.maxValue),
  };
}

if (process.argv[2] !== undefined) {
  const result = await run(JSON.parse(process.argv[2]) as LoadSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
