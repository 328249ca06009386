/**
 * HTTP load generator (run in its own process), in one of two modes:
 *
 * - open (default): constant rate. Request i is due at start + i / rate whether or not earlier ones
 *   have answered; its latency is measured from that scheduled time, so a stalled server shows up as
 *   latency instead of a lower send rate (no coordinated omission). Latencies go into an HDR
 *   histogram in nanoseconds.
 * - closed: saturation. `connections` requests are always in flight, each answer sends the next one;
 *   the result is the most requests/s the server answers.
 *
 * The first `warmupSeconds` run the same way but are not recorded (JIT, connection set-up).
 *
 * argv[2]: JSON LoadSpec. Prints one JSON line: LoadResult.
 */
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { build } from 'hdr-histogram-js';

export interface LoadSpec {
  readonly url: string;
  readonly mode?: 'open' | 'closed';
  /** Requests/s (open mode). */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly warmupSeconds?: number;
  readonly token?: string;
  /** Sent with every request (e.g. `traceparent` and `baggage`, so tracing does its work). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Requests in the recorded part. */
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  /** Every request sent, warm-up included (for per-request server CPU). */
  readonly total: number;
  /** Completed requests per second of wall time. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

const nowNs = (): number => Number(process.hrtime.bigint());

/** The pacer thread: a message every `intervalMs` (at least 0.1 ms apart), sleeping in between. */
const PACER = `
const { parentPort, workerData } = require('node:worker_threads');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const interval = Math.max(workerData.intervalMs, 0.1);
for (;;) {
  Atomics.wait(sleeper, 0, 0, interval);
  parentPort.postMessage(0);
}`;
const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

interface Sender {
  readonly histogram: ReturnType<typeof build>;
  /** Sends one request; `done(ok)` when it ended. */
  send(done: (ok: boolean) => void): void;
  close(): void;
}

function sender(spec: LoadSpec): Sender {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const headers = { ...spec.headers, ...(spec.token === undefined ? {} : { authorization: `Bearer ${spec.token}` }) };
  const options = { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers };
  return {
    // 1 ns .. 2 min, 3 significant digits.
    histogram: build({ lowestDiscernibleValue: 1, highestTrackableValue: 120e9, numberOfSignificantValueDigits: 3, bitBucketSize: 64 }),
    send(done) {
      const req = request(options, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
        res.on('error', () => done(false));
      });
      req.on('error', () => done(false));
      req.end();
    },
    close: () => agent.destroy(),
  };
}

function result(s: Sender, sent: number, completed: number, errors: number, total: number, seconds: number): LoadResult {
  return {
    sent, completed, errors, total,
    requestsPerSecond: Math.round(completed / seconds),
    p50Ms: ms(s.histogram.getValueAtPercentile(50)),
    p99Ms: ms(s.histogram.getValueAtPercentile(99)),
    p999Ms: ms(s.histogram.getValueAtPercentile(99.9)),
    maxMs: ms(s.histogram.maxValue),
  };
}

async function runOpen(spec: LoadSpec): Promise<LoadResult> {
  const s = sender(spec);
  const warmup = Math.round(spec.rate * (spec.warmupSeconds ?? 0));
  const total = warmup + Math.round(spec.rate * spec.durationSeconds);
  const intervalNs = 1e9 / spec.rate;
  let sent = 0;
  let settled = 0;
  let completed = 0;
  let errors = 0;
  let settle: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (settle = resolve));
  const fire = (index: number, scheduledNs: number): void => {
    s.send((ok) => {
      if (index >= warmup) {
        s.histogram.recordValue(Math.max(nowNs() - scheduledNs, 1));
        completed++;
        if (!ok) errors++;
      }
      if (++settled === total) settle();
    });
  };
  const start = nowNs();
  await new Promise<void>((resolve) => {
    const sendDue = (): void => {
      const now = nowNs();
      while (sent < total && start + sent * intervalNs <= now) {
        fire(sent, start + sent * intervalNs);
        sent++;
      }
      if (sent === total) {
        pacer.off('message', sendDue);
        pacer.terminate().catch(() => undefined);
        resolve();
      }
    };
    // The schedule's clock runs on its own thread, which sleeps between ticks (Atomics.wait, sub-millisecond) and
    // wakes this event loop with a message. Spinning here on setImmediate instead would keep one of the machine's
    // two cores busy for the whole run, taken from the server being measured; timers (1 ms granularity) would
    // delay every send by up to a millisecond.
    const pacer = new Worker(PACER, { eval: true, workerData: { intervalMs: intervalNs / 1e6 } });
    pacer.on('message', sendDue);
    sendDue();
  });
  // In-flight requests get 30 s; the rest count as errors.
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 30_000).unref());
  await Promise.race([allDone, timeout]);
  const elapsedSeconds = (nowNs() - start) / 1e9 - (spec.warmupSeconds ?? 0);
  const measured = total - warmup;
  s.close();
  return result(s, measured, completed, errors + measured - completed, total, elapsedSeconds);
}

async function runClosed(spec: LoadSpec): Promise<LoadResult> {
  const s = sender(spec);
  const start = nowNs();
  const recordFrom = start + (spec.warmupSeconds ?? 0) * 1e9;
  const end = recordFrom + spec.durationSeconds * 1e9;
  let total = 0;
  let completed = 0;
  let errors = 0;
  await Promise.all(Array.from({ length: spec.connections }, () => new Promise<void>((resolve) => {
    const next = (): void => {
      const sentAt = nowNs();
      if (sentAt >= end) return resolve();
      total++;
      s.send((ok) => {
        const now = nowNs();
        // Counted when it both started and ended inside the recorded window.
        if (sentAt >= recordFrom && now <= end) {
          s.histogram.recordValue(Math.max(now - sentAt, 1));
          completed++;
          if (!ok) errors++;
        }
        next();
      });
    };
    next();
  })));
  s.close();
  return result(s, completed, completed, errors, total, spec.durationSeconds);
}

if (process.argv[2] !== undefined) {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  const outcome = await (spec.mode === 'closed' ? runClosed(spec) : runOpen(spec));
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}
