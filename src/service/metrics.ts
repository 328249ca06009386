/**
 * The service's Prometheus metrics, in one registry per app (several apps in one process,
 * as in tests, do not collide). Names are a contract: the Grafana dashboard queries them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { blockWritten, type BlockWritten } from '../pipeline/diagnostics.js';
import { ADMISSION_LEVELS, type AdmissionLevel, type Watermarks } from './admission.js';
import type { QueueCounts } from './jobs/types.js';

export interface MetricSources {
  readonly counts: () => QueueCounts;
  /** Exports running in this process (jobs and direct downloads). */
  readonly running: () => number;
  readonly watermarks: Watermarks;
  /** Free bytes of the storage filesystem, as admission last measured them (undefined: not measured). */
  readonly diskFree?: () => number | undefined;
}

/** Fine buckets at the low end: the latency target is single-digit milliseconds at P999. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1, 2, 5, 10, 30, 60, 300];
const EXPORT_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 20, 40, 60, 120, 300, 600, 1800, 3600];

export type ExportOutcome = 'succeeded' | 'failed' | 'canceled';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'route' | 'method' | 'status_code'>;
  readonly #exports: Counter<'status'>;
  readonly #duration: Histogram<'status'>;
  readonly #rows: Counter;
  readonly #bytes: Counter;
  readonly #scheduleRuns: Counter<'report' | 'outcome'>;
  readonly #downloadIdle: Counter;
  readonly #admissionTransitions: Counter<'to'>;
  readonly #admissionLevel: Gauge;
  readonly #onBlock: (message: unknown) => void;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'sheetpipe_http_request_duration_seconds', help: 'HTTP request latency by route, method and status code',
      labelNames: ['route', 'method', 'status_code'], buckets: HTTP_BUCKETS, registers,
    });
    this.#exports = new Counter({ name: 'sheetpipe_exports_total', help: 'Exports that ended, by status', labelNames: ['status'], registers });
    this.#duration = new Histogram({
      name: 'sheetpipe_export_duration_seconds', help: 'Time from start to end of an export', labelNames: ['status'],
      buckets: EXPORT_BUCKETS, registers,
    });
    this.#rows = new Counter({ name: 'sheetpipe_export_rows_total', help: 'Data rows written by exports', registers });
    this.#bytes = new Counter({ name: 'sheetpipe_export_bytes_total', help: 'Bytes written by exports', registers });
    this.#scheduleRuns = new Counter({
      name: 'sheetpipe_schedule_runs_total', help: 'Scheduled export runs by outcome (enqueued, deferred when the queue was full)',
      labelNames: ['report', 'outcome'], registers,
    });
    this.#downloadIdle = new Counter({
      name: 'sheetpipe_download_idle_aborts_total', help: 'Direct downloads aborted because their client had not read for limits.downloadIdleSeconds', registers,
    });
    this.#admissionTransitions = new Counter({
      name: 'sheetpipe_admission_transitions_total', help: 'Admission level changes, by the level entered (ok, degrade, queue, refuse)',
      labelNames: ['to'], registers,
    });
    this.#admissionLevel = new Gauge({
      name: 'sheetpipe_admission_level', help: 'Admission level now: 0 ok, 1 degrade (running exports give memory back), 2 queue, 3 refuse', registers,
    });
    new Gauge({
      name: 'sheetpipe_export_queue_depth', help: 'Export jobs waiting for a slot', registers,
      collect() { this.set(sources.counts().waiting); },
    });
    new Gauge({
      name: 'sheetpipe_exports_running', help: 'Exports running now (jobs and direct downloads)', registers,
      collect() { this.set(sources.running()); },
    });
    new Gauge({
      name: 'sheetpipe_memory_rss_bytes', help: 'Resident set size of the whole process, worker threads included', registers,
      collect() { this.set(process.memoryUsage.rss()); },
    });
    new Gauge({
      name: 'sheetpipe_memory_heap_used_bytes', help: 'V8 heap used by the main thread', registers,
      collect() { this.set(process.memoryUsage().heapUsed); },
    });
    const watermark = new Gauge({
      name: 'sheetpipe_memory_watermark_bytes', help: 'RSS above which running exports degrade (level=degrade), new exports are queued (level=queue) or refused (level=refuse)',
      labelNames: ['level'], registers,
    });
    new Gauge({
      name: 'sheetpipe_storage_free_bytes', help: 'Free space of the storage filesystem (what admission control judges)', registers,
      collect() {
        const free = sources.diskFree?.();
        if (free !== undefined) this.set(free);
      },
    });
    const diskWatermark = new Gauge({
      name: 'sheetpipe_storage_free_watermark_bytes', help: 'Free storage below which new exports are queued (level=queue) or refused (level=refuse)',
      labelNames: ['level'], registers,
    });
    // Counted as blocks are written (not when the export ends), from the pipeline's diagnostics channel: exports
    // run here and, forwarded by the executor, in export threads (service/exec/thread-runner.ts).
    const blocks = new Counter({ name: 'sheetpipe_export_blocks_written_total', help: 'Blocks of rows written by running exports', registers });
    const blockRows = new Counter({ name: 'sheetpipe_export_block_rows_total', help: 'Rows in the blocks written by running exports', registers });
    this.#onBlock = (message) => {
      blocks.inc();
      blockRows.inc((message as BlockWritten).rows);
    };
    blockWritten.subscribe(this.#onBlock);
    diskWatermark.set({ level: 'queue' }, sources.watermarks.diskFree.queue);
    diskWatermark.set({ level: 'refuse' }, sources.watermarks.diskFree.refuse);
    watermark.set({ level: 'degrade' }, sources.watermarks.rss.degrade);
    watermark.set({ level: 'queue' }, sources.watermarks.rss.queue);
    watermark.set({ level: 'refuse' }, sources.watermarks.rss.refuse);
  }

  recordExport(status: ExportOutcome, durationMs: number, rows: number, bytes: number): void {
    this.#exports.inc({ status });
    this.#duration.observe({ status }, durationMs / 1000);
    this.#rows.inc(rows);
    this.#bytes.inc(bytes);
  }

  /** Stops listening to the pipeline's channels (the app closed). */
  close(): void {
    blockWritten.unsubscribe(this.#onBlock);
  }

  recordAdmission(level: AdmissionLevel): void {
    this.#admissionTransitions.inc({ to: level });
    this.#admissionLevel.set(ADMISSION_LEVELS.indexOf(level));
  }

  recordDownloadIdle(): void {
    this.#downloadIdle.inc();
  }

  recordScheduleRun(report: string, outcome: 'enqueued' | 'deferred'): void {
    this.#scheduleRuns.inc({ report, outcome });
  }
}
