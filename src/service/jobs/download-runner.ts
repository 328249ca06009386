/**
 * What runs a direct download: the export of `job` into `out` (an HTTP response), stopped by
 * `signal`. In production each runs in its own worker thread (worker-runner.ts); with a caller's
 * export function (buildApp's `runExport`) it runs in-process, here.
 */
import type { Writable } from 'node:stream';
import type { ColorHop } from '../../observability/coloring.js';
import { restoreTrace } from '../../observability/trace-context.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobQuery } from '../export-plan.js';
import type { RunExport } from './pipeline-runner.js';
import type { RunOutcome } from './runner.js';
import { runTracedExport } from './traced-export.js';
import type { JobRequest } from './types.js';

export interface DownloadRun {
  /** The request's config snapshot: the export is planned from it. */
  readonly config: ServiceConfig;
  readonly job: JobRequest;
  readonly out: Writable;
  readonly signal: AbortSignal;
  readonly onProgress: (rows: number) => void;
  /** Ms from sending the statement to its first rows (only for a traced job). */
  readonly onQueryWait: (ms: number) => void;
  readonly onHop: (hop: ColorHop) => void;
}

/** Resolves with the rows and bytes sent once `out` has ended; rejects with the export's error. */
export type DownloadRunner = (run: DownloadRun) => Promise<RunOutcome>;

/** On the main thread, under AsyncLocalStorage only when `asyncContext` (the plugin's choice). */
export function inProcessDownloads(runExport: RunExport, asyncContext: boolean): DownloadRunner {
  return async (run) => {
    const result = await runTracedExport(runExport, {
      ...planJobQuery(run.config, run.job),
      out: run.out,
      signal: run.signal,
      onProgress: (progress) => run.onProgress(progress.rows),
    }, run.job.trace === null ? undefined : restoreTrace(run.job.trace, 'sheetpipe.export'), {
      onQueryWait: run.onQueryWait,
      onHop: run.onHop,
      asyncContext,
    });
    return { rows: result.rows, bytes: result.bytes };
  };
}
