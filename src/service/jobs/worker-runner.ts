/**
 * Runs each background job in its own worker thread (export-worker.ts), so a 1M-row export's
 * row conversion does not delay the service's small requests. Same contract as the in-process
 * runner: on abort the worker stops the query and removes the temp file before this settles.
 * The job's trace goes to the worker serialised; the hops it reports count in `coloring`.
 */
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { isSheetpipeError } from '../../errors.js';
import type { ColorHop, ColoringMetrics } from '../../observability/coloring.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobQuery } from '../export-plan.js';
import type { JobFiles } from './files.js';
import type { JobRunner, RunControl, RunOutcome } from './runner.js';
import { jobHops, type JobRecord } from './types.js';
import { remoteError, type FromWorker, type ToWorker, type WorkerExport } from './export-worker.js';

const ENTRY = new URL('./export-worker.js', import.meta.url);

export class WorkerRunner implements JobRunner {
  readonly #config: ServiceConfig;
  readonly #files: JobFiles;
  readonly #coloring: ColoringMetrics | undefined;

  constructor(config: ServiceConfig, files: JobFiles, coloring?: ColoringMetrics) {
    this.#config = config;
    this.#files = files;
    this.#coloring = coloring;
  }

  async run(job: JobRecord, control: RunControl): Promise<RunOutcome> {
    const target = this.#files.pathOf(job.id, job.format);
    try {
      const plan = planJobQuery(this.#config, job);
      const data: WorkerExport = { ...plan, source: plan.source as string, out: target, ...(job.trace === null ? {} : { trace: job.trace }) };
      const hops = jobHops(job);
      const coloring = this.#coloring;
      const rows = await runInWorker(data, control, (hop) => coloring?.hop(hops, hop));
      return { rows, bytes: (await stat(target)).size };
    } catch (error) {
      await this.#files.removeAll(job.id);
      throw error;
    }
  }
}

function runInWorker(data: WorkerExport, control: RunControl, onHop: (hop: ColorHop) => void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: data });
    let settled = false;
    const onAbort = (): void => {
      const reason: unknown = control.signal.reason;
      const message: ToWorker = isSheetpipeError(reason)
        ? { type: 'abort', code: reason.code, message: reason.message }
        : { type: 'abort', code: 'SHEETPIPE_ERR_PIPELINE_CANCELED', message: 'the export was cancelled' };
      worker.postMessage(message);
    };
    control.signal.addEventListener('abort', onAbort, { once: true });
    if (control.signal.aborted) onAbort();
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      control.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'hop') onHop(message.hop);
      else if (message.type === 'progress') control.onProgress(message.rows, message.bytes);
      else if (message.type === 'done') finish(() => resolve(message.rows));
      else finish(() => reject(remoteError(message.code, message.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the export worker exited with code ${code}`))));
  });
}
