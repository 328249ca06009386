/**
 * What runs a direct download: the export of `job` into `out` (an HTTP response), stopped by
 * `signal`, through the executor (service/exec): in its own thread in production, streaming
 * chunks that each wait for the socket's write; in-process with a caller's export function.
 */
import type { Writable } from 'node:stream';
import type { ColorHop } from '../../observability/coloring.js';
import type { Pressure } from '../../util/pressure.js';
import type { ServiceConfig } from '../config/types.js';
import type { Executor } from '../exec/executor.js';
import { jobSpec } from '../exec/spec.js';
import type { RunOutcome } from './runner.js';
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

export function executorDownloads(executor: Executor, pressure?: Pressure): DownloadRunner {
  return (run) =>
    executor.run(jobSpec(run.config, run.job, { kind: 'stream' }), {
      signal: run.signal,
      out: run.out,
      ...(pressure === undefined ? {} : { pressure }),
      onProgress: (progress) => run.onProgress(progress.rows),
      onHop: run.onHop,
      onQueryWait: run.onQueryWait,
    });
}
