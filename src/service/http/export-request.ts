/** Reads what a client asks for (POST body or download query string) into a checked JobRequest. */
import type { FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ExportFormat } from '../../pipeline/types.js';
import type { InputLimitsConfig, ReportConfig, ServiceConfig } from '../config/types.js';
import { readFilename } from './filename.js';
import { RESERVED_QUERY_KEYS, dialectOf } from '../config/sources-reports.js';
import { assertReadOnlySql } from '../../sources/read-only-sql.js';
import { resolveAdHocParams, resolveReportParams } from '../params.js';
import type { JobRequest, JobTrace } from '../jobs/types.js';
import { serializeTrace } from '../../observability/index.js';
import { requireAllReports, requireReport } from './auth.js';

const BODY_KEYS = ['report', 'source', 'query', 'params', 'format', 'filename', 'deliver'];

function badRequest(message: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [message]);
}

function readFormat(value: unknown, where: string): ExportFormat {
  if (value === undefined) return 'xlsx';
  if (value === 'xlsx' || value === 'csv') return value;
  throw badRequest(`${where} must be "xlsx" or "csv", got ${JSON.stringify(value)}`);
}

/**
 * limits.paramsPerRequest and limits.paramLength, checked before anything is coerced or stored: a 1 MB
 * string is refused here, not kept in the job store for the retention period.
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_LIMIT naming the limit (and the parameter).
 */
function checkParamSizes(limits: InputLimitsConfig, params: Readonly<Record<string, unknown>>): void {
  const names = Object.keys(params);
  if (names.length > limits.paramsPerRequest) {
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_LIMIT', [`${names.length} parameters`, 'paramsPerRequest', limits.paramsPerRequest]);
  }
  for (const name of names) {
    const value = params[name];
    const values = Array.isArray(value) ? value : [value];
    if (name.length > limits.paramLength || values.some((item) => typeof item === 'string' && item.length > limits.paramLength)) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_LIMIT', [`parameter ${shown}`, 'paramLength', limits.paramLength], { details: { param: shown } });
    }
  }
}

/**
 * `deliver`: names from the report's configured `deliveries`. A client picks a destination, never names
 * one: URLs and recipients live in the config (no SSRF, no mail to arbitrary addresses).
 */
function readDeliver(value: unknown, report: ReportConfig): string[] {
  if (value === undefined) return [];
  const allowed = report.deliveries ?? [];
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) throw badRequest('deliver must be an array of delivery names');
  const names = [...new Set(value as string[])];
  const refused = names.find((name) => !allowed.includes(name));
  if (refused !== undefined) {
    // Echoed only when it looks like a name: a URL or an address is exactly what a client may not send.
    const shown = /^[A-Za-z0-9_.-]{1,64}$/.test(refused) ? JSON.stringify(refused) : '(not a configured name)';
    throw badRequest(`deliver: report ${report.name} has no delivery named ${shown} (allowed: ${allowed.join(', ') || 'none'})`);
  }
  return names;
}

/** The request's trace context (set by the observability plugin; null when it is off). */
function traceOf(request: FastifyRequest): JobTrace | null {
  const context = request.sheetpipeTrace ?? null;
  if (context === null) return null;
  return { ...serializeTrace(context), traceId: context.traceId, ...(context.color === undefined ? {} : { color: context.color }) };
}

/** A report that fills a template writes xlsx only: a csv request is the client's mistake, refused before a job exists. */
function checkReportFormat(report: ReportConfig, format: ExportFormat): void {
  if (format === 'csv' && report.template !== undefined) throw badRequest(`report ${report.name} fills an xlsx template: format "csv" is not available for it (use "xlsx")`);
}

function findReport(config: ServiceConfig, request: FastifyRequest, name: string): ReportConfig {
  requireReport(request, name);
  const report = config.reports.get(name);
  if (!report) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['report', name]);
  return report;
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
  checkParamSizes(config.limits, params as Record<string, unknown>);
  const format = readFormat(fields.format, 'format');
  const filename = readFilename(fields.filename, format, config.limits.filenameLength, 'filename');
  const owner = request.principal?.id ?? null;
  if (typeof fields.report === 'string' && fields.source === undefined && fields.query === undefined) {
    const report = findReport(config, request, fields.report);
    checkReportFormat(report, format);
    request.sheetpipeSource = report.source;
    const resolved = resolveReportParams(report, params as Record<string, unknown>, 'json');
    const deliver = readDeliver(fields.deliver, report);
    return {
      report: report.name, source: null, query: null, params: resolved, format, filename, origin: 'api', owner, trace: traceOf(request),
      ...(deliver.length > 0 ? { deliver } : {}),
    };
  }
  if (fields.report === undefined && typeof fields.source === 'string' && typeof fields.query === 'string' && fields.query.trim() !== '') {
    requireAllReports(request, 'ad-hoc SQL');
    if (fields.deliver !== undefined) throw badRequest('deliver needs a report: ad-hoc exports have no configured deliveries');
    const source = config.sources.get(fields.source);
    if (!source) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['source', fields.source]);
    if (!source.adHocSql) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_AD_HOC_SQL', [source.name]);
    request.sheetpipeSource = source.name;
    // Refused with 400 before a job exists; the source checks again (and asks the server) when it runs.
    const dialect = dialectOf(source.url);
    if (dialect !== undefined) assertReadOnlySql(fields.query, dialect);
    const declared = resolveAdHocParams(fields.query, dialect, params as Record<string, unknown>);
    return { report: null, source: source.name, query: fields.query, params: declared, format, filename, origin: 'api', owner, trace: traceOf(request) };
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
  checkParamSizes(config.limits, query);
  const format = readFormat(options.format, 'query option format');
  checkReportFormat(report, format);
  const filename = readFilename(options.filename, format, config.limits.filenameLength, 'query option filename');
  request.sheetpipeSource = report.source;
  const params = resolveReportParams(report, query, 'query');
  const owner = request.principal?.id ?? null;
  return { report: report.name, source: null, query: null, params, format, filename, origin: 'api', owner, trace: traceOf(request) };
}
