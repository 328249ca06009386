/**
 * The last minutes of request latencies, per second, for the console's Operations charts (`GET /v1/ops`).
 * Each second has a row of 128 log-scale bins (four per power of two of microseconds: ~19 % wide, up to about
 * an hour), so recording is one log2 and one increment, and memory is fixed (300 s × 128 × 4 bytes = 150 KiB).
 * Percentiles read from it are the upper edge of their bin: good to ~19 %, which is what a chart shows anyway.
 * Prometheus keeps the exact histogram (`sheetpipe_http_request_duration_seconds`) for the long view.
 */
import type { FastifyPluginAsync } from 'fastify';
import { skipOverride } from '../http/errors.js';

const BINS = 128;
const BINS_PER_DOUBLING = 4;

export interface LatencySeries {
  /** Epoch seconds of each step's start. */
  readonly t: number[];
  /** Requests per second over each step. */
  readonly rate: number[];
  /** Milliseconds, null for a step without requests. */
  readonly p50: (number | null)[];
  readonly p99: (number | null)[];
  readonly p999: (number | null)[];
}

export interface LatencySummary {
  readonly count: number;
  readonly ratePerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
}

function binOf(ms: number): number {
  const us = ms * 1000;
  if (!(us > 1)) return 0;
  return Math.min(BINS - 1, Math.floor(Math.log2(us) * BINS_PER_DOUBLING));
}

/** Upper edge of a bin, in milliseconds (rounded to 3 decimals: µs). */
function edgeMs(bin: number): number {
  return Math.round(2 ** ((bin + 1) / BINS_PER_DOUBLING)) / 1000;
}

function quantile(bins: Uint32Array, count: number, q: number): number | null {
  if (count === 0) return null;
  const rank = Math.ceil(count * q);
  let seen = 0;
  for (let bin = 0; bin < BINS; bin++) {
    seen += bins[bin] as number;
    if (seen >= rank) return edgeMs(bin);
  }
  return edgeMs(BINS - 1);
}

export class RequestWindow {
  readonly seconds: number;
  readonly #counts: Uint32Array;
  /** The epoch second each row holds (a row of an older second is stale: cleared on first use). */
  readonly #secondOf: Float64Array;
  readonly #now: () => number;

  constructor(seconds = 300, now: () => number = Date.now) {
    this.seconds = seconds;
    this.#counts = new Uint32Array(seconds * BINS);
    this.#secondOf = new Float64Array(seconds).fill(-1);
    this.#now = now;
  }

  record(latencyMs: number): void {
    const second = Math.floor(this.#now() / 1000);
    const row = second % this.seconds;
    if (this.#secondOf[row] !== second) {
      this.#counts.fill(0, row * BINS, (row + 1) * BINS);
      this.#secondOf[row] = second;
    }
    const index = row * BINS + binOf(latencyMs);
    this.#counts[index] = (this.#counts[index] as number) + 1;
  }

  /** Adds the bins of `second` (if the window still holds it) into `into`; returns their count. */
  #addSecond(second: number, into: Uint32Array): number {
    const row = second % this.seconds;
    if (this.#secondOf[row] !== second) return 0;
    let count = 0;
    for (let bin = 0; bin < BINS; bin++) {
      const n = this.#counts[row * BINS + bin] as number;
      into[bin] = (into[bin] as number) + n;
      count += n;
    }
    return count;
  }

  /**
   * The complete seconds of the last `windowSeconds`, in steps of `stepSeconds`, and the whole window's summary
   * (the current, incomplete second is left out so the last point does not dip).
   */
  read(windowSeconds = this.seconds, stepSeconds = 5): { series: LatencySeries; summary: LatencySummary } {
    const window = Math.min(windowSeconds, this.seconds - 1);
    const end = Math.floor(this.#now() / 1000);
    const start = end - window;
    const series: LatencySeries = { t: [], rate: [], p50: [], p99: [], p999: [] };
    const all = new Uint32Array(BINS);
    let total = 0;
    for (let from = start; from < end; from += stepSeconds) {
      const step = new Uint32Array(BINS);
      const to = Math.min(end, from + stepSeconds);
      let count = 0;
      for (let second = from; second < to; second++) count += this.#addSecond(second, step);
      for (let bin = 0; bin < BINS; bin++) all[bin] = (all[bin] as number) + (step[bin] as number);
      total += count;
      series.t.push(from);
      series.rate.push(Math.round((count / (to - from)) * 100) / 100);
      series.p50.push(quantile(step, count, 0.5));
      series.p99.push(quantile(step, count, 0.99));
      series.p999.push(quantile(step, count, 0.999));
    }
    return {
      series,
      summary: {
        count: total,
        ratePerSecond: Math.round((total / Math.max(1, window)) * 100) / 100,
        p50Ms: quantile(all, total, 0.5),
        p99Ms: quantile(all, total, 0.99),
        p999Ms: quantile(all, total, 0.999),
      },
    };
  }
}

/**
 * Records every answered request's latency into `window` (on the root: it sees every route), except event
 * streams: they last as long as their export, which says nothing about how fast the service answers.
 */
export function requestWindowPlugin(window: RequestWindow): FastifyPluginAsync {
  return skipOverride(async (app) => {
    // Callback style: an async hook costs promises on every request.
    app.addHook('onResponse', (_request, reply, done) => {
      const type = reply.raw.getHeader('content-type');
      if (typeof type !== 'string' || !type.startsWith('text/event-stream')) window.record(reply.elapsedTime);
      done();
    });
  });
}
