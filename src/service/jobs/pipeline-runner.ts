/** Runs a job through the export pipeline into `<storage.dir>/files/<id>.<format>`. */
import { stat } from 'node:fs/promises';
import type { ExportOptions, ExportResult } from '../../pipeline/types.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobExport } from '../export-plan.js';
import type { JobFiles } from './files.js';
import type { JobRunner, RunControl, RunOutcome } from './runner.js';
import type { JobRecord } from './types.js';

export type RunExport = (options: ExportOptions) => Promise<ExportResult>;

export class PipelineRunner implements JobRunner {
  readonly #config: ServiceConfig;
  readonly #files: JobFiles;
  readonly #runExport: RunExport;

  constructor(config: ServiceConfig, files: JobFiles, runExport: RunExport) {
    this.#config = config;
    this.#files = files;
    this.#runExport = runExport;
  }

  async run(job: JobRecord, control: RunControl): Promise<RunOutcome> {
    const target = this.#files.pathOf(job.id, job.format);
    try {
      const result = await this.#runExport({
        ...planJobExport(this.#config, job),
        out: target,
        signal: control.signal,
        onProgress: (progress) => control.onProgress(progress.rows, progress.bytes),
      });
      // `bytes` is promised to be the file's size on disk.
      return { rows: result.rows, bytes: (await stat(target)).size };
    } catch (error) {
      // The pipeline removes its temp file; this also covers a file renamed just before a late abort.
      await this.#files.removeAll(job.id);
      throw error;
    }
  }
}
