/**
 * Admission control: before new work starts, the process's RSS (worker threads included),
 * the main heap, the event-loop delay and the storage filesystem's free space are compared with
 * watermarks. Memory degrades before it refuses, in three levels of the memory limit:
 *   degrade (60 %)  running exports give memory back (util/pressure.ts: one block in flight, one render thread)
 *                   and new exports wait in the queue; direct downloads still start
 *   queue   (75 %)  new exports wait, and so do direct downloads
 *   refuse  (85 %)  new exports are refused (503 + Retry-After) and /readyz reports shedding
 * Coming back below a level undoes it; each transition is logged and counted.
 */
import { statfs } from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { loopDelayMs } from '../observability/loop-delay.js';
import type { AdmissionConfig, LimitsConfig } from './config/types.js';
import type { StartGate } from './jobs/runner.js';
import { Pressure } from '../util/pressure.js';

export interface MemoryMeasure {
  readonly rss: number;
  readonly heapUsed: number;
}

export type AdmissionLevel = 'ok' | 'degrade' | 'queue' | 'refuse';

/** Levels from best to worst, for comparisons. */
export const ADMISSION_LEVELS: readonly AdmissionLevel[] = ['ok', 'degrade', 'queue', 'refuse'];

export interface AdmissionSample {
  readonly rss: number;
  readonly heapUsed: number;
  /** P99 event-loop delay over the last full second, without the sampling interval. */
  readonly eventLoopDelayMs: number;
  /** P50 of the same window (reported by /readyz, not judged). */
  readonly eventLoopDelayP50Ms?: number;
  /** Free bytes of the storage filesystem (for an unprivileged user); undefined until measured or when unknown. */
  readonly diskFreeBytes?: number;
}

export interface Watermarks {
  readonly rss: { readonly degrade: number; readonly queue: number; readonly refuse: number };
  readonly heap: { readonly queue: number; readonly refuse: number };
  readonly eventLoopDelayMs: { readonly queue: number; readonly refuse: number };
  /** Free bytes below which new exports wait / are refused (lower is worse). */
  readonly diskFree: { readonly queue: number; readonly refuse: number };
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
    rss: {
      degrade: share(memory, admission.degradeAtPercent ?? Math.min(60, admission.queueAtPercent)),
      queue: share(memory, admission.queueAtPercent),
      refuse: share(memory, admission.refuseAtPercent),
    },
    heap: { queue: share(heapLimit, admission.queueAtPercent), refuse: share(heapLimit, admission.refuseAtPercent) },
    eventLoopDelayMs: { queue: admission.eventLoopDelayQueueMs, refuse: admission.eventLoopDelayRefuseMs },
    diskFree: { queue: (admission.diskFreeQueueMb ?? 1024) * MB, refuse: (admission.diskFreeRefuseMb ?? 256) * MB },
  };
}

/** Pure decision: the worst level any of the measures reaches. */
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
  const free = sample.diskFreeBytes;
  if (free !== undefined) {
    const label = `storage free space ${mb(free)}`;
    if (free < marks.diskFree.refuse) return { level: 'refuse', reason: `${label} is below the refuse watermark ${mb(marks.diskFree.refuse)}` };
    if (free < marks.diskFree.queue && !queued) queued = { level: 'queue', reason: `${label} is below the queue watermark ${mb(marks.diskFree.queue)}` };
  }
  if (queued) return queued;
  if (sample.rss >= marks.rss.degrade) return { level: 'degrade', reason: `RSS ${mb(sample.rss)} is above the degrade watermark ${mb(marks.rss.degrade)}` };
  return { level: 'ok', reason: '' };
}

/** Sampling interval of the loop-delay timer; subtracted from what it records (observability/loop-delay.ts). */
const RESOLUTION_MS = 10;

export class AdmissionController implements StartGate {
  readonly watermarks: Watermarks;
  /** Degraded while memory is at or above the degrade level: what running exports read (util/pressure.ts). */
  readonly pressure = new Pressure();
  readonly #delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #listeners = new Set<() => void>();
  readonly #storageDir: string | undefined;
  #eventLoopDelayMs = 0;
  #eventLoopDelayP50Ms = 0;
  #diskFreeBytes: number | undefined;
  #statfsBusy = false;
  #current: Assessment = { level: 'ok', reason: '' };
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;

  readonly #measure: () => MemoryMeasure;

  /**
   * `storageDir`: the filesystem whose free space is watched (none: disk is not judged). `measure` reads RSS and heap
   * (process.memoryUsage; a test drives the levels through it with real exports running).
   */
  constructor(limits: LimitsConfig, admission: AdmissionConfig, storageDir?: string, measure: () => MemoryMeasure = process.memoryUsage) {
    this.watermarks = watermarksFor(limits, admission, getHeapStatistics().heap_size_limit);
    this.#storageDir = storageDir;
    this.#measure = measure;
  }

  /** Samples every 250 ms; the event-loop delay window is one second. */
  start(): void {
    this.#delay.enable();
    void this.#measureDisk();
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
    const memory = this.#measure();
    return {
      rss: memory.rss, heapUsed: memory.heapUsed, eventLoopDelayMs: this.#eventLoopDelayMs, eventLoopDelayP50Ms: this.#eventLoopDelayP50Ms,
      ...(this.#diskFreeBytes === undefined ? {} : { diskFreeBytes: this.#diskFreeBytes }),
    };
  }

  /** A fresh assessment, taken when a request asks for new work. */
  check(): Assessment {
    this.#update(this.sample());
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
      // P99 (and P50) of the last second, in ms; an empty window (no samples yet) reads as 0.
      this.#eventLoopDelayMs = loopDelayMs(this.#delay, RESOLUTION_MS, 99);
      this.#eventLoopDelayP50Ms = loopDelayMs(this.#delay, RESOLUTION_MS, 50);
      this.#delay.reset();
    }
    void this.#measureDisk();
    this.#update(this.sample());
  }

  /** statfs is async (a stalled NFS mount must not stall the loop): the tick uses the last answer. */
  async #measureDisk(): Promise<void> {
    if (this.#storageDir === undefined || this.#statfsBusy) return;
    this.#statfsBusy = true;
    try {
      const stats = await statfs(this.#storageDir);
      this.#diskFreeBytes = stats.bavail * stats.bsize;
    } catch {
      // Not created yet, or gone: nothing to judge; the job that writes there reports its own error.
      this.#diskFreeBytes = undefined;
    } finally {
      this.#statfsBusy = false;
    }
  }

  #update(sample: AdmissionSample): void {
    const next = assess(sample, this.watermarks);
    const changed = next.level !== this.#current.level;
    this.#current = next;
    // Running exports give memory back from the degrade level up, and get it back below it.
    this.pressure.set(sample.rss >= this.watermarks.rss.degrade);
    if (changed) for (const listener of this.#listeners) listener();
  }
}
