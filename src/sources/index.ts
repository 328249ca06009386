/**
 * Sources: a URL in, a read-only Source out. Each scheme lives in its own file; this one only
 * dispatches.
 *
 * @example
 *   const source = await openSource('postgres://app@127.0.0.1/shop');
 *   const cursor = await source.query({ sql: tableQuery(source.kind, 'orders') });
 *   for await (const rows of cursor.batches()) sheet.addBatch(rows);
 *   await cursor.close();
 *   await source.close();
 */
import { SheetpipeError } from '../errors.js';
import { redactUrl } from './driver-errors.js';
import { sourceKindOf } from './kind.js';
import type { Source } from './types.js';

export type { ColumnKind, QueryCursor, QueryRequest, Source, SourceColumn } from './types.js';
export { bindParams, findParams, type BoundQuery, type ParamRef, type SqlDialect } from './sql-params.js';
export { tableQuery, withComment } from './statement.js';
export { BATCH_ROWS } from './cursor.js';
export { sourceKindOf, type SourceKind } from './kind.js';

/**
 * Opens a source and checks it is reachable (file exists, server accepts the credentials).
 *
 * @param url `sqlite:<path>`, `postgres://…` / `postgresql://…`, `mysql://…` / `mariadb://…`,
 *   or `csv:<path>[?types=name:kind,…]`.
 * @throws SHEETPIPE_ERR_SOURCE_SCHEME (exit 2) for any other scheme; SHEETPIPE_ERR_SOURCE_NOT_FOUND
 *   for a missing file (never created); SHEETPIPE_ERR_SOURCE_CONNECT, SHEETPIPE_ERR_SOURCE_AUTH for
 *   a server that cannot be reached or refuses the credentials; SHEETPIPE_ERR_SOURCE_URL for a
 *   malformed URL.
 */
export async function openSource(url: string): Promise<Source> {
  // Each driver is loaded when its scheme is first used: a PostgreSQL export never pays for loading mysql2
  // (measured at ~0.12 µs a row of main-thread time on the 1M-row bench, bench/RESULTS.md), nor SQLite's addon.
  switch (sourceKindOf(url)) {
    case 'sqlite': {
      const { SqliteSource, sqlitePath } = await import('./sqlite.js');
      return SqliteSource.open(sqlitePath(url));
    }
    case 'postgres':
      return (await import('./postgres.js')).PostgresSource.open(url);
    case 'mysql':
      return (await import('./mysql.js')).MysqlSource.open(url);
    case 'csv':
      return (await import('./csv.js')).CsvSource.open(url);
    default:
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_SCHEME', [JSON.stringify(redactUrl(url))]);
  }
}

/** Runtime guard for a Source handed in from outside (ExportOptions.source). */
/** @throws SheetpipeError SHEETPIPE_ERR_PIPELINE_BAD_OPTION unless `source` is a URL or a Source. */
export function assertSourceOption(source: unknown): asserts source is string | Source {
  if (typeof source !== 'string' && !isSource(source)) {
    throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', ['source', 'expected a source URL or an object with kind, query() and close()']);
  }
}

export function isSource(value: unknown): value is Source {
  const candidate = value as Partial<Source> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.kind === 'string' && typeof candidate.query === 'function' && typeof candidate.close === 'function';
}
