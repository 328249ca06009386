/**
 * Runs a background job through the executor (service/exec) into `<storage.dir>/files/<id>.<format>`,
 * counting the hops its color reaches. `config` is read when a job starts: it runs to the end
 * under that snapshot, whatever reloads follow.
 */
import { stat } from 'node:fs/promises';
import type { ColoringMetrics } from '../../observability/coloring.js';
import type { Pressure } from '../../util/pressure.js';
import type { ServiceConfig } from '../config/types.js';
import type { Executor } from '../exec/executor.js';
import { jobSpec } from '../exec/spec.js';
import type { JobFiles } from './files.js';
import type { JobRunner, RunControl, RunOutcome } from './runner.js';
import { jobHops, type JobRecord } from './types.js';

export interface FileJobRunnerOptions {
  readonly config: () => ServiceConfig;
  readonly files: JobFiles;
  readonly executor: Executor;
  readonly coloring?: ColoringMetrics | undefined;
  /** The service's memory pressure, passed on to running exports as it changes. */
  readonly pressure?: Pressure | undefined;
}

export class FileJobRunner implements JobRunner {
  readonly #options: FileJobRunnerOptions;

  constructor(options: FileJobRunnerOptions) {
    this.#options = options;
  }

  async run(job: JobRecord, control: RunControl): Promise<RunOutcome> {
    const { config, files, executor, coloring, pressure } = this.#options;
    const target = files.pathOf(job.id, job.format);
    const hops = jobHops(job);
    try {
      const { rows } = await executor.run(jobSpec(config(), job, { kind: 'file', path: target }), {
        signal: control.signal,
        ...(pressure === undefined ? {} : { pressure }),
        onProgress: (progress) => control.onProgress(progress.rows, progress.bytes),
        onHop: (hop) => coloring?.hop(hops, hop),
      });
      // `bytes` is promised to be the file's size on disk.
      return { rows, bytes: (await stat(target)).size };
    } catch (error) {
      // The export removes its temp file; this also covers a file renamed just before a late abort.
      await files.removeAll(job.id);
      throw error;
    }
  }
}
