/**
 * Tail-biased sampling: a request slower than the threshold is always kept; a fast one is kept at its
 * route's rate by a deterministic per-route accumulator (exact rates, no PRNG). When the ring overwrites
 * records faster than the flusher drains them, every fast rate is halved (down to minScale); after a few
 * healthy cycles it doubles back. Slow requests are never shed.
 */
import { SheetpipeError } from '../errors.js';
import type { RouteTable } from './route-table.js';

export const DEFAULT_SAMPLE_RATES: Readonly<Record<string, number>> = {
  'GET /v1/exports/:id': 0.01,
  'POST /v1/exports': 1,
};

/** Accumulated rates like 10 × 0.1 land a hair below 1 in binary floating point. */
const ONE_MINUS_EPSILON = 1 - 1e-9;

export interface SamplerOptions {
  /** Requests at least this slow are always kept. Default 5 ms. */
  readonly thresholdMs?: number;
  /** Keep-rate (0…1) of fast requests per route string; defaults to DEFAULT_SAMPLE_RATES. */
  readonly rates?: Readonly<Record<string, number>>;
  /** Rate for routes not in `rates`. Default 0.1. */
  readonly defaultRate?: number;
  /** Lowest factor the automatic back-off may scale fast rates by. Default 1/64. */
  readonly minScale?: number;
  /** Healthy adapt() cycles before the scale doubles back. Default 3. */
  readonly recoverAfter?: number;
}

function checkRate(name: string, rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', [name, `${rate} is not a rate between 0 and 1`]);
  return rate;
}

/** What configure() may change on a running sampler (a service config reload). */
export type SamplerRates = Pick<SamplerOptions, 'thresholdMs' | 'rates' | 'defaultRate'>;

function checkThreshold(thresholdMs: number): number {
  if (!(thresholdMs >= 0)) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['thresholdMs', `${thresholdMs} is not a number of milliseconds >= 0`]);
  return thresholdMs;
}

export class TailSampler {
  #thresholdNs: number;
  readonly #routes: RouteTable;
  #rates: ReadonlyMap<string, number>;
  #defaultRate: number;
  readonly #minScale: number;
  readonly #recoverAfter: number;
  /** Indexed by route id, grown when a new id shows up (rare: routes are registered at start). */
  #rateById = new Float64Array(0);
  #accById = new Float64Array(0);
  #scale = 1;
  #healthyCycles = 0;
  #lastOverwritten = 0;

  constructor(routes: RouteTable, options: SamplerOptions = {}) {
    this.#thresholdNs = checkThreshold(options.thresholdMs ?? 5) * 1e6;
    this.#routes = routes;
    this.#rates = new Map(Object.entries(options.rates ?? DEFAULT_SAMPLE_RATES).map(([route, rate]) => [route, checkRate(`sampleRates["${route}"]`, rate)]));
    this.#defaultRate = checkRate('defaultSampleRate', options.defaultRate ?? 0.1);
    this.#minScale = options.minScale ?? 1 / 64;
    this.#recoverAfter = options.recoverAfter ?? 3;
  }

  /** Requests at least this slow (ns) are always kept. */
  get thresholdNs(): number {
    return this.#thresholdNs;
  }

  /**
   * Replaces the threshold and rates (omitted ones go back to their defaults) for the requests from now on.
   * Everything is checked before anything changes; the back-off scale and the per-route accumulators carry over.
   * @throws SheetpipeError SHEETPIPE_ERR_OBSERVABILITY_OPTION for a rate outside 0…1 or a negative threshold.
   */
  configure(options: SamplerRates): void {
    const thresholdNs = checkThreshold(options.thresholdMs ?? 5) * 1e6;
    const rates = new Map(Object.entries(options.rates ?? DEFAULT_SAMPLE_RATES).map(([route, rate]) => [route, checkRate(`sampleRates["${route}"]`, rate)]));
    const defaultRate = checkRate('defaultSampleRate', options.defaultRate ?? 0.1);
    this.#thresholdNs = thresholdNs;
    this.#rates = rates;
    this.#defaultRate = defaultRate;
    // The per-id table is rebuilt from the new rates on the next keep() (accumulators kept).
    this.#rateById = new Float64Array(0);
  }

  /** Current back-off factor applied to fast-request rates (1 = configured rates). */
  get scale(): number {
    return this.#scale;
  }

  /**
   * Whether to record a request: 0 = skip, otherwise the record's weight (1 for a slow request,
   * else 1 / effective rate, so a report can estimate request counts). Allocates nothing.
   */
  keep(routeId: number, latencyNs: number): number {
    if (latencyNs >= this.#thresholdNs) return 1;
    if (routeId >= this.#rateById.length) this.#grow(routeId);
    const rate = this.#rateById[routeId]! * this.#scale;
    if (rate <= 0) return 0;
    const acc = this.#accById[routeId]! + rate;
    if (acc < ONE_MINUS_EPSILON) {
      this.#accById[routeId] = acc;
      return 0;
    }
    this.#accById[routeId] = acc - 1;
    return Math.round(1 / rate);
  }

  /** Feed the ring's overwritten count once per flush cycle: growth halves fast rates, health restores them. */
  adapt(overwritten: number): void {
    const grew = overwritten > this.#lastOverwritten;
    this.#lastOverwritten = overwritten;
    if (grew) {
      this.#scale = Math.max(this.#minScale, this.#scale / 2);
      this.#healthyCycles = 0;
    } else if (this.#scale < 1 && ++this.#healthyCycles >= this.#recoverAfter) {
      this.#scale = Math.min(1, this.#scale * 2);
      this.#healthyCycles = 0;
    }
  }

  #grow(routeId: number): void {
    const size = Math.max(routeId + 1, this.#routes.size);
    const rates = new Float64Array(size);
    const acc = new Float64Array(Math.max(size, this.#accById.length));
    acc.set(this.#accById);
    for (let id = 0; id < size; id++) rates[id] = this.#rates.get(this.#routes.nameOf(id)) ?? this.#defaultRate;
    this.#rateById = rates;
    this.#accById = acc;
  }
}
