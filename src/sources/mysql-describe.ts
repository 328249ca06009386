/**
 * The server's half of "only row-returning queries run" for MySQL/MariaDB: prepare the statement
 * (COM_STMT_PREPARE, which executes nothing) and refuse it when the server announces no result
 * columns (DDL, DO, SELECT … INTO, DML). The cursor executes the statement prepared here (mysql-wire.ts); mysql2's
 * statement cache keeps it, so a snapshot's describe and query of the same text prepare it once. Like PostgreSQL's Describe, this
 * cannot tell a write that returns rows from a read: the lexical check (read-only-sql.ts) and the
 * read-only transaction cover those.
 * The prepared statement's column definitions are the ones the execution reports, except for a bare placeholder
 * (`SELECT ? AS x`), whose type the server learns from the bound value: prepare calls it NULL (kind `unknown`).
 */
import type { Connection } from 'mysql2';
import { instantMapper } from './datetime.js';
import { mysqlColumn } from './mysql-types.js';
import type { PreparedStatement } from './mysql-wire.js';
import { notReadOnly } from './read-only-sql.js';
import { withConnection, type Lease } from './snapshot.js';
import { requestStatement } from './statement.js';
import type { QueryRequest, SourceColumn } from './types.js';

type Prepare = (options: { sql: string; rowsAsArray: boolean }, callback: (error: unknown, statement: PreparedStatement) => void) => void;

/**
 * Prepares `sql` (kept in mysql2's statement cache, which closes it), checks it returns columns and returns the statement.
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY when it returns none; the server's error when it cannot be prepared.
 */
export function requireResultColumns(connection: Connection, sql: string): Promise<PreparedStatement> {
  const prepare = (connection.prepare as unknown as Prepare).bind(connection);
  return new Promise((resolve, reject) => {
    prepare({ sql, rowsAsArray: true }, (error, statement) => {
      if (error) reject(error);
      else if (statement.columns.length === 0) reject(notReadOnly('MySQL/MariaDB describes the statement as returning no columns'));
      else resolve(statement);
    });
  });
}

/**
 * The columns `request` returns, mapped as the cursor maps them (mysql-types.ts), from COM_STMT_PREPARE on a
 * connection of `lease`: nothing is executed. In a snapshot the cursor reuses the prepared statement.
 */
export async function describeMysql(failure: (error: unknown) => Error, lease: Lease<Connection>, request: QueryRequest): Promise<readonly SourceColumn[]> {
  const { sql } = requestStatement(request, 'mysql');
  const fields = await withConnection(lease, async (connection) => {
    try {
      return (await requireResultColumns(connection, sql)).columns;
    } catch (error) {
      throw failure(error);
    }
  });
  const mapInstant = instantMapper(request.timeZone); // only the converters use it; describe keeps the columns
  return fields.map((field) => mysqlColumn(field, mapInstant).column);
}
