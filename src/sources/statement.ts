/**
 * Statement text around the user's SQL: the `--table` query and the sqlcommenter comment.
 */
import { SheetpipeError } from '../errors.js';
import { assertReadOnlySql } from './read-only-sql.js';
import { bindParams, type BoundQuery, type SqlDialect } from './sql-params.js';
import type { QueryRequest } from './types.js';

/** Letters, digits, `_` and `$`: nothing that could close the quotes, so quoting makes any such name safe. */
const IDENTIFIER = /^[\p{L}\p{N}_$]+$/u;

function quoteIdentifier(kind: string, identifier: string): string {
  return kind === 'mysql' ? `\`${identifier}\`` : `"${identifier}"`;
}

/**
 * The query behind `--table NAME`: `SELECT * FROM` the name quoted for the source's dialect
 * (backticks for MySQL/MariaDB, double quotes elsewhere), so the name is matched exactly as written.
 *
 * @param kind `Source.kind` (`postgres`, `mysql`, `sqlite`, `csv`).
 * @param name `table` or `schema.table`; each part made of letters, digits, `_` and `$` (a table named `2024` is fine).
 * @throws SHEETPIPE_ERR_SOURCE_TABLE for any other name.
 * @example tableQuery('postgres', 'sales.orders') // 'SELECT * FROM "sales"."orders"'
 */
export function tableQuery(kind: string, name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_TABLE', [JSON.stringify(name), 'expected NAME or SCHEMA.NAME, each made of letters, digits, _ and $']);
  }
  return `SELECT * FROM ${parts.map((part) => quoteIdentifier(kind, part)).join('.')}`;
}

/** The quoted table name when `sql` is exactly what `tableQuery` returns, else undefined. */
export function tableOfQuery(sql: string): string | undefined {
  return /^SELECT \* FROM ((?:"[^"]+"\.)?"[^"]+"|(?:`[^`]+`\.)?`[^`]+`)$/u.exec(sql)?.[1];
}

/**
 * Prepends a sqlcommenter comment (`traceparent='00-…-01',color='canary'`) as `/*…*\/ ` so it shows in
 * pg_stat_activity, the processlist and server logs. Characters that could end the comment early or
 * turn it into something the server executes (`*\/`, `/*`, a leading MySQL `!`/`+`/`M!`) are
 * percent-encoded, as sqlcommenter encodes values.
 */
export function withComment(sql: string, comment: string | undefined): string {
  if (comment === undefined || comment === '') return sql;
  const safe = comment
    .replace(/\*\//g, '*%2F')
    .replace(/\/\*/g, '%2F*')
    .replace(/\0/g, '%00')
    .replace(/^(M?)([!+])/, (_, prefix: string, mark: string) => `${prefix}${mark === '!' ? '%21' : '%2B'}`);
  return `/*${safe}*/ ${sql}`;
}

/**
 * The statement a request sends: `:name` parameters bound for the dialect, the comment prepended, and the lexical
 * read-only check passed (before any connection is used).
 * @throws SHEETPIPE_ERR_SOURCE_PARAM (a missing value, a positional placeholder), SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY.
 */
export function requestStatement(request: QueryRequest, dialect: SqlDialect): BoundQuery {
  const bound = bindParams(request.sql, request.params, dialect);
  const sql = withComment(bound.sql, request.comment);
  assertReadOnlySql(sql, dialect);
  return { ...bound, sql };
}
