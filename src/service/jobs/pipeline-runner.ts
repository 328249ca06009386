/** Runs a job in-process through the export pipeline into `<storage.dir>/files/<id>.<format>`. */
import { stat } from 'node:fs/promises';
import type { Observability } from '../../observability/fastify-plugin.js';
import { restoreTrace } from '../../observability/trace-context.js';
import type { ExportOptions, ExportResult } from '../../pipeline/types.js';
import type { ServiceConfig } from '../config/types.js';
import { planJobQuery } from '../export-plan.js';
import type { JobFiles } from './files.js';
import type { JobRunner, RunControl, RunOutcome } from './runner.js';
import { runTracedExport } from './traced-export.js';
import { jobHops, type JobRecord } from './types.js';

export type RunExport = (options: ExportOptions) => Promise<ExportResult>;

export class PipelineRunner implements JobRunner {
  readonly #config: () => ServiceConfig;
  readonly #files: JobFiles;
  readonly #runExport: RunExport;
  readonly #observability: Pick<Observability, 'coloring' | 'asyncContext'> | undefined;

  /** `config` is read when a job starts (it finishes under that snapshot); `observability` counts the jobs' coloring hops. */
  constructor(config: () => ServiceConfig, files: JobFiles, runExport: RunExport, observability?: Pick<Observability, 'coloring' | 'asyncContext'>) {
    this.#config = config;
    this.#files = files;
    this.#runExport = runExport;
    this.#observability = observability;
  }

  async run(job: JobRecord, control: RunControl): Promise<RunOutcome> {
    const target = this.#files.pathOf(job.id, job.format);
    const hops = jobHops(job);
    try {
      const plan = planJobQuery(this.#config(), job);
      const trace = job.trace === null ? undefined : restoreTrace(job.trace, 'sheetpipe.export');
      const result = await runTracedExport(this.#runExport, {
        ...plan,
        out: target,
        signal: control.signal,
        onProgress: (progress) => control.onProgress(progress.rows, progress.bytes),
      }, trace, { onHop: (hop) => this.#observability?.coloring.hop(hops, hop), asyncContext: this.#observability?.asyncContext ?? false });
      // `bytes` is promised to be the file's size on disk.
      return { rows: result.rows, bytes: (await stat(target)).size };
    } catch (error) {
      // The pipeline removes its temp file; this also covers a file renamed just before a late abort.
      await this.#files.removeAll(job.id);
      throw error;
    }
  }
}
