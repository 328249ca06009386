/**
 * Admission control: before new work starts, the process's RSS (worker threads included),
 * the main heap and the event-loop delay are compared with two watermarks. Above the first,
 * new exports wait in the queue; above the second they are refused (503 + Retry-After) and
 * /readyz reports shedding. Running exports are never touched.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { AdmissionConfig, LimitsConfig } from './config/types.js';
import type { StartGate } from './jobs/runner.js';

export type AdmissionLevel = 'ok' | 'queue' | 'refuse';

export interface AdmissionSample {
  readonly rss: number;
  readonly heapUsed: number;
  /** P99 event-loop delay over the last full second. */
  readonly eventLoopDelayMs: number;
}

export interface Watermarks {
  readonly rss: { readonly queue: number; readonly refuse: number };
  readonly heap: { readonly queue: number; readonly refuse: number };
  readonly eventLoopDelayMs: { readonly queue: number; readonly refuse: number };
}

export interface Assessment {
  readonly level: AdmissionLevel;
  /** Why, in words, when not ok (goes into the 503 message and /readyz). */
  readonly reason: string;
}

const MB = 1024 * 1024;

export function watermarksFor(limits: LimitsConfig, admission: AdmissionConfig, heapLimit: number): Watermarks {
  const share = (total: number, percent: number): number => Math.floor((total * percent) / 100);
  const memory = limits.memoryLimitMb * MB;
  return {
    rss: { queue: share(memory, admission.queueAtPercent), refuse: share(memory, admission.refuseAtPercent) },
    heap: { queue: share(heapLimit, admission.queueAtPercent), refuse: share(heapLimit, admission.refuseAtPercent) },
    eventLoopDelayMs: { queue: admission.eventLoopDelayQueueMs, refuse: admission.eventLoopDelayRefuseMs },
  };
}

/** Pure decision: the worst level any of the three measures reaches. */
export function assess(sample: AdmissionSample, marks: Watermarks): Assessment {
  const mb = (bytes: number): string => `${Math.round(bytes / MB)} MB`;
  const checks: [number, { queue: number; refuse: number }, string][] = [
    [sample.rss, marks.rss, `RSS ${mb(sample.rss)}`],
    [sample.heapUsed, marks.heap, `heap used ${mb(sample.heapUsed)}`],
    [sample.eventLoopDelayMs, marks.eventLoopDelayMs, `event-loop delay ${sample.eventLoopDelayMs.toFixed(1)} ms`],
  ];
  const unit = (index: number, value: number): string => (index === 2 ? `${value} ms` : mb(value));
  let queued: Assessment | undefined;
  for (const [index, [value, mark, label]] of checks.entries()) {
    if (value >= mark.refuse) return { level: 'refuse', reason: `${label} is above the refuse watermark ${unit(index, mark.refuse)}` };
    if (value >= mark.queue && !queued) queued = { level: 'queue', reason: `${label} is above the queue watermark ${unit(index, mark.queue)}` };
  }
  return queued ?? { level: 'ok', reason: '' };
}

export class AdmissionController implements StartGate {
  readonly watermarks: Watermarks;
  readonly #delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  readonly #listeners = new Set<() => void>();
  #eventLoopDelayMs = 0;
  #current: Assessment = { level: 'ok', reason: '' };
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;

  constructor(limits: LimitsConfig, admission: AdmissionConfig) {
    this.watermarks = watermarksFor(limits, admission, getHeapStatistics().heap_size_limit);
  }

  /** Samples every 250 ms; the event-loop delay window is one second. */
  start(): void {
    this.#delay.enable();
    this.#timer = setInterval(() => this.#tick(), 250);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#delay.disable();
  }

  /** The last periodic assessment (what /readyz shows). */
  get current(): Assessment {
    return this.#current;
  }

  sample(): AdmissionSample {
    const memory = process.memoryUsage();
    return { rss: memory.rss, heapUsed: memory.heapUsed, eventLoopDelayMs: this.#eventLoopDelayMs };
  }

  /** A fresh assessment, taken when a request asks for new work. */
  check(): Assessment {
    this.#update(assess(this.sample(), this.watermarks));
    return this.#current;
  }

  mayStart(): boolean {
    return this.#current.level === 'ok';
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tick(): void {
    if (++this.#ticks % 4 === 0) {
      // P99 of the last second, in ms; an empty window (no samples yet) reads as 0.
      this.#eventLoopDelayMs = this.#delay.count > 0 ? this.#delay.percentile(99) / 1e6 : 0;
      this.#delay.reset();
    }
    this.#update(assess(this.sample(), this.watermarks));
  }

  #update(next: Assessment): void {
    const changed = next.level !== this.#current.level;
    this.#current = next;
    if (changed) for (const listener of this.#listeners) listener();
  }
}
