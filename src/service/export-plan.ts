/** Turns a job request into the pipeline's options, from the configured report or ad-hoc query. */
import { SheetpipeError } from '../errors.js';
import type { ExportOptions } from '../pipeline/types.js';
import type { ServiceConfig } from './config/types.js';
import type { JobRequest } from './jobs/types.js';
import { withExtension } from './http/filename.js';

export type PlannedExport = Omit<ExportOptions, 'out' | 'signal' | 'onProgress'>;

/**
 * The export of a job, without its trace (the executor applies the trace where the export runs: exec/run-here.ts).
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_NOT_FOUND when the report or source is no longer
 *   configured (a job restored after the config changed).
 */
export function planJobQuery(config: ServiceConfig, request: JobRequest): PlannedExport {
  if (request.report !== null) {
    const report = config.reports.get(request.report);
    if (!report) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['report', request.report]);
    const source = config.sources.get(report.source);
    if (!source) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['source', report.source]);
    return {
      source: source.url,
      ...(report.definition === undefined ? {} : { report: report.definition, sourceName: report.source }),
      ...(report.query === undefined ? {} : { query: report.query }),
      ...(report.table === undefined ? {} : { table: report.table }),
      params: request.params,
      format: request.format,
      ...(report.sheet === undefined ? {} : { sheet: report.sheet }),
      ...(report.timeZone === undefined ? {} : { timeZone: report.timeZone }),
      ...(report.timeoutSeconds === undefined ? {} : { timeoutSeconds: report.timeoutSeconds }),
      ...(report.threads === undefined ? {} : { threads: report.threads }),
      ...(report.csvRaw === true ? { csv: { raw: true } } : {}),
      ...(report.template === undefined ? {} : { template: { file: report.template.file, into: report.template.into } }),
    };
  }
  const source = request.source === null ? undefined : config.sources.get(request.source);
  if (!source || request.query === null) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['source', request.source]);
  if (!source.adHocSql) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_AD_HOC_SQL', [source.name]);
  return { source: source.url, query: request.query, params: request.params, format: request.format };
}

/** `Content-Disposition` name: the client's, else `<report>-<id>.<format>` (`<source>-<id>` for ad-hoc SQL). */
export function downloadName(request: JobRequest, id: string): string {
  // withExtension again: a record from elsewhere (Redis, an older store) never names xlsx bytes `.csv`.
  if (request.filename !== null) return withExtension(request.filename, request.format);
  return `${request.report ?? request.source ?? 'export'}-${id}.${request.format}`;
}
