/** Validates the `sources` and `reports` sections: URLs, ad-hoc switch, queries and parameter declarations. */
import { isAbsolute, resolve } from 'node:path';
import { MAX_THREADS, MIN_THREADS } from '../../xlsx/threads.js';
import { sourceKindOf } from '../../sources/kind.js';
import { findParams, type SqlDialect } from '../../sources/sql-params.js';
import { readOnlyProblem } from '../../sources/read-only-sql.js';
import { coerceParamValue } from '../params.js';
import { reportDefinitionOf } from './report-definition.js';
import { readReportTemplate } from './report-template.js';
import { PARAM_TYPES, type ParamDeclaration, type ParamType, type ReportConfig, type SourceConfig } from './types.js';
import {
  childPath, configError, expandEnv, expectArray, expectObject, optionalBoolean, optionalNumber, optionalString,
  rejectUnknownKeys, requiredString, type Json,
} from './fields.js';

/** Query-string keys of a direct download that are options, not report parameters. */
export const RESERVED_QUERY_KEYS: readonly string[] = ['format', 'filename'];

/** `sqlite:./demo.db` and `csv:data.csv` are read relative to the config file's folder. */
export function resolveFileUrl(url: string, baseDir: string): string {
  const match = /^(sqlite|csv):(?!\/\/)(.*)$/s.exec(url);
  if (!match) return url;
  const [, scheme, rest = ''] = match;
  if (rest === '' || rest === ':memory:' || isAbsolute(rest)) return url;
  return `${scheme}:${resolve(baseDir, rest)}`;
}

export function readSources(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv): Map<string, SourceConfig> {
  const sources = new Map<string, SourceConfig>();
  const section = expectObject(raw, 'sources');
  for (const [name, value] of Object.entries(section)) {
    const path = childPath('sources', name);
    const object = expectObject(value, path);
    rejectUnknownKeys(object, ['url', 'adHocSql'], path);
    const url = requiredString(object, 'url', path);
    if (!/^(sqlite|csv):|^(postgres|postgresql|mysql|mariadb):\/\//.test(url)) {
      throw configError(childPath(path, 'url'), 'expected a sqlite:, csv:, postgres://, postgresql://, mysql:// or mariadb:// URL');
    }
    const expanded = resolveFileUrl(expandEnv(url, env, childPath(path, 'url')), baseDir);
    sources.set(name, { name, url: expanded, adHocSql: optionalBoolean(object, 'adHocSql', path) ?? false });
  }
  if (sources.size === 0) throw configError('sources', 'declare at least one source');
  return sources;
}

function readParamDeclaration(value: unknown, path: string): ParamDeclaration {
  const object = typeof value === 'string' ? { type: value } : expectObject(value, path);
  rejectUnknownKeys(object, ['type', 'default', 'description'], path);
  const type = requiredString(object, 'type', path);
  if (!PARAM_TYPES.includes(type as ParamType)) {
    throw configError(childPath(path, 'type'), `unknown type ${JSON.stringify(type)} (expected ${PARAM_TYPES.join(', ')})`);
  }
  const description = optionalEntry('description', optionalString(object, 'description', path));
  if (object.default === undefined) return { type: type as ParamType, ...description };
  const coerced = coerceParamValue(type as ParamType, object.default, 'json');
  if ('problem' in coerced) throw configError(childPath(path, 'default'), coerced.problem);
  return { type: type as ParamType, default: coerced.value, ...description };
}

function readParams(raw: unknown, path: string): Map<string, ParamDeclaration> {
  const params = new Map<string, ParamDeclaration>();
  if (raw === undefined) return params;
  for (const [name, value] of Object.entries(expectObject(raw, path))) {
    const at = childPath(path, name);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw configError(at, 'a parameter name is letters, digits and _ (as written :name in SQL)');
    if (RESERVED_QUERY_KEYS.includes(name)) throw configError(at, `${name} is reserved for the download's own query-string option`);
    params.set(name, readParamDeclaration(value, at));
  }
  return params;
}

/** The SQL dialect of a source URL (undefined: CSV, which takes no query parameters). */
export function dialectOf(url: string): SqlDialect | undefined {
  const kind = sourceKindOf(url);
  return kind === 'csv' ? undefined : kind;
}

/** Every `:name` in the query must be declared, and every declaration used (a typo would otherwise go unnoticed). */
function checkQueryParams(query: string | undefined, params: ReadonlyMap<string, ParamDeclaration>, source: SourceConfig, path: string): void {
  const dialect = dialectOf(source.url);
  if (dialect === undefined) return;
  const used = new Set(query === undefined ? [] : findParams(query, dialect).map((ref) => ref.name));
  for (const name of used) {
    if (!params.has(name)) throw configError(childPath(path, 'query'), `parameter :${name} is not declared in ${childPath(path, 'params')}`);
  }
  for (const name of params.keys()) {
    if (!used.has(name)) throw configError(childPath(childPath(path, 'params'), name), `is declared but the query has no :${name}`);
  }
}

/**
 * The lexical read-only check at load time, so a report that would write never starts the service. The
 * server-side checks (PostgreSQL Describe, SQLite's statement flags) need a connection and run with each export.
 */
function checkReadOnly(query: string | undefined, source: SourceConfig, path: string): void {
  const dialect = dialectOf(source.url);
  if (query === undefined || dialect === undefined) return;
  const problem = readOnlyProblem(query, dialect);
  if (problem !== undefined) throw configError(childPath(path, 'query'), `refused: ${problem}; only a single statement that returns rows runs`);
}

function readReport(name: string, value: unknown, sources: ReadonlyMap<string, SourceConfig>, baseDir: string): ReportConfig {
  const path = childPath('reports', name);
  const object: Json = expectObject(value, path);
  rejectUnknownKeys(
    object,
    ['source', 'query', 'table', 'params', 'sheet', 'timeZone', 'timeoutSeconds', 'threads', 'description', 'csv', 'deliveries', 'title', 'sheets', 'about', 'snapshot', 'template'],
    path,
  );
  const source = requiredString(object, 'source', path);
  if (!sources.has(source)) throw configError(childPath(path, 'source'), `no source named ${JSON.stringify(source)} in sources`);
  const query = optionalString(object, 'query', path);
  const table = optionalString(object, 'table', path);
  const multiSheet = object.sheets !== undefined;
  if (multiSheet && (query !== undefined || table !== undefined)) throw configError(path, 'give sheets, or one of query and table, not both');
  if (!multiSheet && (query === undefined) === (table === undefined)) throw configError(path, 'give exactly one of query and table (or sheets)');
  const description = optionalString(object, 'description', path);
  const timeZone = optionalString(object, 'timeZone', path);
  if (timeZone !== undefined && !isTimeZone(timeZone)) throw configError(childPath(path, 'timeZone'), `unknown IANA time zone ${timeZone}`);
  const params = readParams(object.params, childPath(path, 'params'));
  const sourceConfig = sources.get(source) as SourceConfig;
  const definition = multiSheet ? reportDefinitionOf(object, params, path) : undefined;
  // Every sheet's query passes the same checks as a single query; together they use every declared parameter.
  const queries = definition === undefined ? [query] : definition.sheets.map((sheet) => sheet.query);
  checkQueryParams(queries.join('\n;\n'), params, sourceConfig, path);
  for (const sql of queries) checkReadOnly(sql, sourceConfig, path);
  const template = readReportTemplate(object.template, baseDir, childPath(path, 'template'));
  if (template !== undefined && multiSheet) throw configError(childPath(path, 'template'), 'a template is filled by a single-query report (query or table), not by sheets');
  return {
    name,
    source,
    ...(query === undefined ? {} : { query }),
    ...(table === undefined ? {} : { table }),
    params,
    ...optionalEntry('sheet', optionalString(object, 'sheet', path)),
    ...optionalEntry('timeZone', timeZone),
    ...optionalEntry('timeoutSeconds', optionalNumber(object, 'timeoutSeconds', path, { above: 0 })),
    ...optionalEntry('threads', optionalNumber(object, 'threads', path, { integer: true, min: MIN_THREADS, max: MAX_THREADS })),
    ...optionalEntry('csvRaw', readCsvOptions(object.csv, childPath(path, 'csv'))),
    ...optionalEntry('description', description),
    deliveries: readNameList(object.deliveries, childPath(path, 'deliveries')),
    ...optionalEntry('definition', definition),
    ...optionalEntry('template', template),
  };
}

/** `csv: { raw: true }` opts a report out of neutralising formula-like CSV text (see pipeline/csv-cells.ts). */
function readCsvOptions(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  const object: Json = expectObject(value, path);
  rejectUnknownKeys(object, ['raw'], path);
  return optionalBoolean(object, 'raw', path);
}

/** `baseDir`: the config file's folder, which a report's `template.file` is relative to. */
export function readReports(raw: unknown, sources: ReadonlyMap<string, SourceConfig>, baseDir: string): Map<string, ReportConfig> {
  const reports = new Map<string, ReportConfig>();
  for (const [name, value] of Object.entries(expectObject(raw ?? {}, 'reports'))) {
    reports.set(name, readReport(name, value, sources, baseDir));
  }
  return reports;
}

/** A list of delivery names (checked against `deliveries` once that section is read: delivery/config.ts). */
export function readNameList(raw: unknown, path: string): string[] {
  if (raw === undefined) return [];
  return expectArray(raw, path).map((name, index) => {
    if (typeof name !== 'string' || name === '') throw configError(childPath(path, index), 'expected a delivery name');
    return name;
  });
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function optionalEntry<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
