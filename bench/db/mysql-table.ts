/**
 * The MariaDB/MySQL case's table: bench.orders_<rows> (database `bench`, as PostgreSQL's schema `bench`), built
 * once server-side with INSERT … SELECT over MariaDB's sequence engine (`seq_1_to_<rows>`) from the same pools
 * and shapes as bench/db/table.ts. A table comment records the generator version; another comment rebuilds it.
 * MySQL (no sequence engine) is not supported by this builder.
 */
import mysql from 'mysql2/promise';
import { CITY_POOL, COLUMN_NAMES, NAME_POOL, NOTE_MAX, NOTE_MIN, NOTE_WORDS } from '../dataset.js';
import type { TableStatus } from './table.js';

const VERSION = 'sheetpipe-bench dataset v2';
const WORDS_PER_NOTE = 12;
export const DEFAULT_MYSQL_SOURCE = 'mysql://root@127.0.0.1:3306/test';

export function mysqlTableName(rows: number): string {
  return `bench.orders_${rows}`;
}

/** ELT(1 + floor(rand() × n), pool…): one pool value, uniformly. */
const pick = (pool: readonly string[]): string => `ELT(1 + FLOOR(RAND() * ${pool.length}), ${pool.map((value) => mysql.escape(value)).join(', ')})`;

function insertSql(table: string, rows: number): string {
  const words = Array.from({ length: WORDS_PER_NOTE }, () => pick(NOTE_WORDS)).join(', ');
  return `INSERT INTO ${table} (${COLUMN_NAMES.join(', ')})
    SELECT seq,
      ROUND(RAND() * 1000, 2),
      1 + FLOOR(RAND() * 100),
      ${pick(NAME_POOL)},
      ${pick(CITY_POOL)},
      TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (seq * 31 + FLOOR(RAND() * 30)) SECOND,
      RAND() < 0.5,
      RTRIM(LEFT(CONCAT_WS(' ', ${words}), ${NOTE_MIN + 1} + FLOOR(RAND() * ${NOTE_MAX - NOTE_MIN}))),
      RAND(),
      CONCAT(CHAR(65 + FLOOR(RAND() * 26)), '-', LPAD(FLOOR(RAND() * 1000000), 6, '0'))
    FROM seq_1_to_${rows}`;
}

/** Makes sure the MariaDB table exists with the current dataset version; builds it (and database `bench`) if not. */
export async function ensureMysqlTable(rows: number, source = DEFAULT_MYSQL_SOURCE, table = mysqlTableName(rows)): Promise<TableStatus> {
  const [schema, name] = table.split('.') as [string, string];
  const comment = `${VERSION} rows=${rows}`;
  const connection = await mysql.createConnection(source);
  try {
    const [found] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT table_comment AS comment FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, name]);
    if (found[0]?.comment === comment) return { table, builtMs: 0 };
    const started = performance.now();
    await connection.query(`CREATE DATABASE IF NOT EXISTS ${schema}`);
    await connection.query(`DROP TABLE IF EXISTS ${table}`);
    await connection.query(`CREATE TABLE ${table} (
      id INT NOT NULL, amount DECIMAL(12,2), qty INT, name VARCHAR(64), city VARCHAR(32),
      created_at DATETIME, active BOOLEAN, note VARCHAR(80), ratio DOUBLE, code VARCHAR(8)) ENGINE=InnoDB`);
    await connection.query('SET SESSION rand_seed1 = 42, rand_seed2 = 4242');
    await connection.query(insertSql(table, rows));
    await connection.query(`ALTER TABLE ${table} COMMENT = ${mysql.escape(comment)}`);
    return { table, builtMs: performance.now() - started };
  } catch (error) {
    throw new Error(`could not build ${table} in ${source}: ${(error as Error).message}`, { cause: error });
  } finally {
    await connection.end();
  }
}

/** Drops database `bench` in MariaDB (`--drop-db`). */
export async function dropMysqlBench(source = DEFAULT_MYSQL_SOURCE): Promise<void> {
  const connection = await mysql.createConnection(source);
  try {
    await connection.query('DROP DATABASE IF EXISTS bench');
  } finally {
    await connection.end();
  }
}
