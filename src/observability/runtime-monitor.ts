/**
 * Continuous runtime sampling for spike attribution and metrics:
 * - event-loop stalls: a 10 ms unref'd interval timer; when it fires late, the late part is a stall
 *   interval. A stall still in progress is visible too (how late the timer is right now), which is what a
 *   request that blocked the loop itself sees when it finishes.
 * - GC pauses: PerformanceObserver('gc'); entries arrive a tick after the pause, so readers refine
 *   records later (refine()).
 * - metrics (when a prom-client registry is given): event-loop delay quantiles from
 *   perf_hooks.monitorEventLoopDelay, event-loop utilisation, and a GC pause histogram.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { loopDelayMs, maxLoopDelayMs } from './loop-delay.js';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { SheetpipeError } from '../errors.js';
import { monotonicNs, perfMsToMonotonicNs } from './clock.js';
import { IntervalHistory } from './interval-history.js';
import { FLAG_GC, type RecordAmounts } from './latency-record.js';

export interface RuntimeMonitorOptions {
  /** Registers sheetpipe_event_loop_delay_seconds, sheetpipe_event_loop_utilization, sheetpipe_gc_pause_seconds here. */
  readonly registry?: Registry;
  /** Period of the stall-detecting timer. Default 10 ms. */
  readonly lagIntervalMs?: number;
  /** A timer this much late (or more) counts as a stall. Default 1 ms (timer jitter stays below it). */
  readonly stallThresholdMs?: number;
  /** Recent GC pauses and stalls remembered for attribution. Default 256 each. */
  readonly historySize?: number;
}

const GC_KINDS: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

function requireFree(registry: Registry, name: string): void {
  if (registry.getSingleMetric(name) !== undefined) {
    throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_OPTION', ['registry', `metric ${name} is already registered (create one RuntimeMonitor per registry)`]);
  }
}

export class RuntimeMonitor {
  readonly #intervalNs: number;
  readonly #stallThresholdNs: number;
  readonly #gc: IntervalHistory;
  readonly #stalls: IntervalHistory;
  readonly #loopDelay: IntervalHistogram;
  readonly #gcObserver: PerformanceObserver;
  readonly #gcHistogram: Histogram<'kind'> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastTickNs = 0;
  #lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(options: RuntimeMonitorOptions = {}) {
    const intervalMs = options.lagIntervalMs ?? 10;
    this.#intervalNs = intervalMs * 1e6;
    this.#stallThresholdNs = (options.stallThresholdMs ?? 1) * 1e6;
    this.#gc = new IntervalHistory(options.historySize ?? 256);
    this.#stalls = new IntervalHistory(options.historySize ?? 256);
    this.#loopDelay = monitorEventLoopDelay({ resolution: intervalMs });
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#onGc(entry);
    });
    const registry = options.registry;
    if (registry !== undefined) {
      for (const name of ['sheetpipe_event_loop_delay_seconds', 'sheetpipe_event_loop_utilization', 'sheetpipe_gc_pause_seconds']) requireFree(registry, name);
      this.#gcHistogram = new Histogram({
        name: 'sheetpipe_gc_pause_seconds',
        help: 'Main-thread garbage collection pauses by kind (minor, major, incremental, weakcb)',
        labelNames: ['kind'],
        buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      });
      const loopDelay = this.#loopDelay;
      new Gauge({
        name: 'sheetpipe_event_loop_delay_seconds',
        help: 'Event-loop delay since the previous scrape (monitorEventLoopDelay minus its sampling interval); quantile="1" is the maximum',
        labelNames: ['quantile'],
        registers: [registry],
        collect() {
          for (const q of [0.5, 0.9, 0.99, 0.999]) this.set({ quantile: String(q) }, loopDelayMs(loopDelay, intervalMs, q * 100) / 1e3);
          this.set({ quantile: '1' }, maxLoopDelayMs(loopDelay, intervalMs) / 1e3);
          loopDelay.reset();
        },
      });
      const monitor = this;
      new Gauge({
        name: 'sheetpipe_event_loop_utilization',
        help: 'Share of time the event loop was busy since the previous scrape (0-1)',
        registers: [registry],
        collect() {
          this.set(monitor.#takeUtilization());
        },
      });
    }
  }

  start(): this {
    if (this.#timer !== undefined) return this;
    this.#lastTickNs = monotonicNs();
    this.#timer = setInterval(() => this.#tick(), this.#intervalNs / 1e6).unref();
    this.#loopDelay.enable();
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    return this;
  }

  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#loopDelay.disable();
    this.#gcObserver.disconnect();
  }

  /** How long the event loop has been blocked right now (0 while the stall timer is on time). One clock read. */
  currentEventLoopDelayMs(): number {
    return this.#currentStallNs(monotonicNs()) / 1e6;
  }

  /** Ns of event-loop stall inside [startNs, endNs], including a stall still in progress. */
  eventLoopStallNs(startNs: number, endNs: number): number {
    let total = this.#stalls.overlapNs(startNs, endNs);
    const now = monotonicNs();
    if (this.#currentStallNs(now) > 0) {
      // The in-progress stall began when the timer was due; clip it to the window.
      const overlap = Math.min(now, endNs) - Math.max(this.#lastTickNs + this.#intervalNs, startNs);
      if (overlap > 0) total += overlap;
    }
    return Math.min(total, endNs - startNs);
  }

  /** Ns of main-thread GC pause inside [startNs, endNs] (pauses are reported a tick after they end). */
  gcPauseNs(startNs: number, endNs: number): number {
    return Math.min(this.#gc.overlapNs(startNs, endNs), endNs - startNs);
  }

  /** Adds GC pauses and stalls that were reported after `record` was written (keeps the larger values). */
  refine(record: RecordAmounts): void {
    const end = record.startNs + record.latencyNs;
    const gcUs = Math.floor(this.gcPauseNs(record.startNs, end) / 1e3);
    if (gcUs > record.gcUs) record.gcUs = gcUs;
    if (record.gcUs > 0) record.flags |= FLAG_GC;
    const loopUs = Math.floor(this.#stalls.overlapNs(record.startNs, end) / 1e3);
    if (loopUs > record.eventLoopUs) record.eventLoopUs = Math.min(loopUs, Math.floor(record.latencyNs / 1e3));
  }

  #currentStallNs(now: number): number {
    const late = now - this.#lastTickNs - this.#intervalNs;
    return this.#timer !== undefined && late >= this.#stallThresholdNs ? late : 0;
  }

  #tick(): void {
    const now = monotonicNs();
    const due = this.#lastTickNs + this.#intervalNs;
    if (now - due >= this.#stallThresholdNs) this.#stalls.add(due, now);
    this.#lastTickNs = now;
  }

  #onGc(entry: PerformanceEntry): void {
    const start = perfMsToMonotonicNs(entry.startTime);
    this.#gc.add(start, start + entry.duration * 1e6);
    if (this.#gcHistogram !== undefined) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1;
      this.#gcHistogram.observe({ kind: GC_KINDS.get(kind) ?? 'other' }, entry.duration / 1e3);
    }
  }

  #takeUtilization(): number {
    const delta = performance.eventLoopUtilization(this.#lastElu);
    this.#lastElu = performance.eventLoopUtilization();
    return delta.utilization;
  }
}
