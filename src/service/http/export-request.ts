/** Reads what a client asks for (POST body or download query string) into a checked JobRequest. */
import type { FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ExportFormat } from '../../pipeline/types.js';
import type { ParamValue, ReportConfig, ServiceConfig } from '../config/types.js';
import { RESERVED_QUERY_KEYS, dialectOf } from '../config/sources-reports.js';
import { assertReadOnlySql } from '../../sources/read-only-sql.js';
import { resolveReportParams } from '../params.js';
import type { JobRequest, JobTrace } from '../jobs/types.js';
import { serializeTrace } from '../../observability/index.js';
import { requireAllReports, requireReport } from './auth.js';

const BODY_KEYS = ['report', 'source', 'query', 'params', 'format', 'filename'];

function badRequest(message: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [message]);
}

function readFormat(value: unknown, where: string): ExportFormat {
  if (value === undefined) return 'xlsx';
  if (value === 'xlsx' || value === 'csv') return value;
  throw badRequest(`${where} must be "xlsx" or "csv", got ${JSON.stringify(value)}`);
}

/** A name for Content-Disposition: no path separators or control characters. */
function readFilename(value: unknown, where: string): string | null {
  if (value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || /[\u0000-\u001f\u007f/\\]/.test(value)) {
    throw badRequest(`${where} must be a file name of 1 to 255 characters without / \\ or control characters`);
  }
  return value;
}

/** The request's trace context (set by the observability plugin; null when it is off). */
function traceOf(request: FastifyRequest): JobTrace | null {
  const context = request.sheetpipeTrace ?? null;
  if (context === null) return null;
  return { ...serializeTrace(context), traceId: context.traceId, ...(context.color === undefined ? {} : { color: context.color }) };
}

function findReport(config: ServiceConfig, request: FastifyRequest, name: string): ReportConfig {
  requireReport(request, name);
  const report = config.reports.get(name);
  if (!report) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['report', name]);
  return report;
}

function adHocParams(value: unknown): Record<string, ParamValue | null> {
  const params: Record<string, ParamValue | null> = {};
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (item !== null && typeof item !== 'string' && typeof item !== 'boolean' && !(typeof item === 'number' && Number.isFinite(item))) {
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_PARAM', [name, 'expected a string, number, boolean or null'], { details: { param: name } });
    }
    params[name] = item;
  }
  return params;
}

/** `POST /v1/exports` body: `{ report, params, format, filename }`, or `{ source, query, … }` for ad-hoc SQL. */
export function readExportBody(config: ServiceConfig, request: FastifyRequest): JobRequest {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !BODY_KEYS.includes(key));
  if (unknown !== undefined) throw badRequest(`unknown field ${unknown} (allowed: ${BODY_KEYS.join(', ')})`);
  const params = fields.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw badRequest('params must be a JSON object');
  const format = readFormat(fields.format, 'format');
  const filename = readFilename(fields.filename, 'filename');
  if (typeof fields.report === 'string' && fields.source === undefined && fields.query === undefined) {
    const report = findReport(config, request, fields.report);
    const resolved = resolveReportParams(report, params as Record<string, unknown>, 'json');
    return { report: report.name, source: null, query: null, params: resolved, format, filename, origin: 'api', trace: traceOf(request) };
  }
  if (fields.report === undefined && typeof fields.source === 'string' && typeof fields.query === 'string' && fields.query.trim() !== '') {
    requireAllReports(request, 'ad-hoc SQL');
    const source = config.sources.get(fields.source);
    if (!source) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['source', fields.source]);
    if (!source.adHocSql) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_AD_HOC_SQL', [source.name]);
    // Refused with 400 before a job exists; the source checks again (and asks the server) when it runs.
    const dialect = dialectOf(source.url);
    if (dialect !== undefined) assertReadOnlySql(fields.query, dialect);
    return { report: null, source: source.name, query: fields.query, params: adHocParams(params), format, filename, origin: 'api', trace: traceOf(request) };
  }
  throw badRequest('give "report" (a report name), or "source" and "query" for ad-hoc SQL');
}

/** `GET /v1/reports/:name/download?…`: `format` and `filename` are options, everything else a parameter. */
export function readDownloadQuery(config: ServiceConfig, request: FastifyRequest, reportName: string): JobRequest {
  const report = findReport(config, request, reportName);
  const query = { ...(request.query as Record<string, unknown>) };
  const options: Record<string, unknown> = {};
  for (const key of RESERVED_QUERY_KEYS) {
    if (Array.isArray(query[key])) throw badRequest(`query option ${key} is given more than once`);
    options[key] = query[key];
    delete query[key];
  }
  const format = readFormat(options.format, 'query option format');
  const filename = readFilename(options.filename, 'query option filename');
  const params = resolveReportParams(report, query, 'query');
  return { report: report.name, source: null, query: null, params, format, filename, origin: 'api', trace: traceOf(request) };
}
