/**
 * Runs each export in its own worker thread (export-worker.ts), so a 1M-row export's row
 * conversion does not delay the service's small requests: background jobs into their files, direct
 * downloads into the HTTP response (the thread streams chunks; each waits for the socket's write).
 * Same contract as the in-process runners: on abort the worker stops the query and removes its temp
 * file before this settles. The job's trace goes to the worker serialised; the hops it reports
 * count in `coloring`.
 */
import { stat } from 'node:fs/promises';
import type { Pressure } from '../../util/pressure.js';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { isSheetpipeError } from '../../errors.js';
import { reapLater } from '../../util/reap-thread.js';
import type { ColorHop, ColoringMetrics } from '../../observability/coloring.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobQuery } from '../export-plan.js';
import type { DownloadRun, DownloadRunner } from './download-runner.js';
import type { JobFiles } from './files.js';
import type { JobRunner, RunControl, RunOutcome } from './runner.js';
import { jobHops, type JobRecord, type JobRequest } from './types.js';
import { remoteError, type FromWorker, type ToWorker, type WorkerExport } from './export-worker.js';

const ENTRY = new URL('./export-worker.js', import.meta.url);

export class WorkerRunner implements JobRunner {
  readonly #config: () => ServiceConfig;
  readonly #files: JobFiles;
  readonly #coloring: ColoringMetrics | undefined;
  readonly #pressure: Pressure | undefined;

  /** `config` is read when a job starts: it runs to the end under that snapshot, whatever reloads follow. */
  constructor(config: () => ServiceConfig, files: JobFiles, coloring?: ColoringMetrics, pressure?: Pressure) {
    this.#config = config;
    this.#files = files;
    this.#coloring = coloring;
    this.#pressure = pressure;
  }

  async run(job: JobRecord, control: RunControl): Promise<RunOutcome> {
    const target = this.#files.pathOf(job.id, job.format);
    try {
      const hops = jobHops(job);
      const coloring = this.#coloring;
      const { rows } = await runInWorker(workerExport(this.#config(), job, target), control.signal, {
        onProgress: control.onProgress,
        onHop: (hop) => coloring?.hop(hops, hop),
        pressure: this.#pressure,
      });
      return { rows, bytes: (await stat(target)).size };
    } catch (error) {
      await this.#files.removeAll(job.id);
      throw error;
    }
  }
}

/** Direct downloads, each in its own worker thread streaming into the response. */
export function workerDownloads(pressure?: Pressure): DownloadRunner {
  return async (run: DownloadRun) =>
    runInWorker(workerExport(run.config, run.job, null), run.signal, {
      onProgress: (rows) => run.onProgress(rows),
      onHop: run.onHop,
      onQueryWait: run.onQueryWait,
      out: run.out,
      pressure,
    });
}

function workerExport(config: ServiceConfig, job: JobRequest, out: string | null): Omit<WorkerExport, 'degraded'> {
  const plan = planJobQuery(config, job);
  return { ...plan, source: plan.source as string, out, nice: config.limits.exportNice, ...(job.trace === null ? {} : { trace: job.trace }) };
}

interface WorkerEvents {
  readonly onProgress: (rows: number, bytes: number) => void;
  readonly onHop: (hop: ColorHop) => void;
  readonly onQueryWait?: (ms: number) => void;
  /** Where the output goes when the export's `out` is null. */
  readonly out?: Writable;
  /** The service's memory pressure, passed on to the export thread as it changes. */
  readonly pressure?: Pressure | undefined;
}

function runInWorker(data: Omit<WorkerExport, 'degraded'>, signal: AbortSignal, events: WorkerEvents): Promise<RunOutcome> {
  return new Promise<RunOutcome>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { ...data, degraded: events.pressure?.degraded === true } satisfies WorkerExport });
    let settled = false;
    const stopPressure = events.pressure?.onChange((degraded) => worker.postMessage({ type: 'pressure', degraded } satisfies ToWorker));
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      const message: ToWorker = isSheetpipeError(reason)
        ? { type: 'abort', code: reason.code, message: reason.message }
        : { type: 'abort', code: 'SHEETPIPE_ERR_PIPELINE_CANCELED', message: 'the export was cancelled' };
      worker.postMessage(message);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      stopPressure?.();
      outcome();
    };
    const written = (error?: Error | null): void => {
      if (!settled) worker.postMessage({ type: 'written', ...(error ? { error: error.message } : {}) } satisfies ToWorker);
    };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'chunk':
          events.out?.write(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), written);
          break;
        case 'end':
          events.out?.end(written);
          break;
        case 'hop':
          events.onHop(message.hop);
          break;
        case 'queryWait':
          events.onQueryWait?.(message.ms);
          break;
        case 'progress':
          events.onProgress(message.rows, message.bytes);
          break;
        case 'done':
          finish(() => resolve({ rows: message.rows, bytes: message.bytes }));
          reapLater(worker);
          break;
        case 'failed':
          finish(() => reject(remoteError(message.code, message.message)));
          reapLater(worker);
          break;
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the export worker exited with code ${code}`))));
  });
}
