/**
 * The server's half of "only row-returning queries run" for MySQL/MariaDB: prepare the statement
 * (COM_STMT_PREPARE, which executes nothing) and refuse it when the server announces no result
 * columns (DDL, DO, SELECT … INTO, DML). mysql2 caches the prepared statement under the same key the
 * cursor's execute() uses, so the statement is prepared once. Like PostgreSQL's Describe, this
 * cannot tell a write that returns rows from a read: the lexical check (read-only-sql.ts) and the
 * read-only transaction cover those.
 */
import type { Connection } from 'mysql2';
import { notReadOnly } from './read-only-sql.js';

/** What mysql2 hands the prepare callback (its typings omit `columns`). */
interface PreparedInfo {
  readonly columns: readonly unknown[];
}
type Prepare = (options: { sql: string; rowsAsArray: boolean }, callback: (error: unknown, statement: PreparedInfo) => void) => void;

/**
 * Prepares `sql` with the options the cursor executes it with, and checks it returns columns.
 * @throws SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY when it returns none; the server's error when it cannot be prepared.
 */
export function requireResultColumns(connection: Connection, sql: string): Promise<void> {
  const prepare = (connection.prepare as unknown as Prepare).bind(connection);
  return new Promise((resolve, reject) => {
    prepare({ sql, rowsAsArray: true }, (error, statement) => {
      if (error) reject(error);
      else if (statement.columns.length === 0) reject(notReadOnly('MySQL/MariaDB describes the statement as returning no columns'));
      else resolve();
    });
  });
}
