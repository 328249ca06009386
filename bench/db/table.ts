/**
 * The database case's table: bench.orders_<rows> in PostgreSQL, built once server-side with
 * generate_series (seconds, where client-side INSERTs of a million rows take much longer) from
 * the same pools and shapes as bench/dataset.ts, seeded so every build holds the same rows.
 * A table comment records the generator version; a table with another comment is rebuilt.
 */
import pg from 'pg';
import { CITY_POOL, COLUMN_NAMES, NAME_POOL, NOTE_MAX, NOTE_MIN, NOTE_WORDS } from '../dataset.js';

const VERSION = 'sheetpipe-bench dataset v2';
const WORDS_PER_NOTE = 12;
export const DEFAULT_SOURCE = 'postgres://postgres@127.0.0.1/test';

export function tableName(rows: number): string {
  return `bench.orders_${rows}`;
}

/** The query all database cases export. */
export function exportQuery(table: string): string {
  return `SELECT ${COLUMN_NAMES.join(', ')} FROM ${table}`;
}

/**
 * The SELECT list of one bench row for the series number `g`, each expression named after its column, drawing from
 * the pools given as SQL expressions of type text[] (parameters for the table build, literals for the streamed
 * series of bench/db/series.ts).
 */
export function rowExpressions(g: string, pools: { names: string; cities: string; words: string }): string {
  const word = `(${pools.words})[1 + floor(random() * ${NOTE_WORDS.length})::int]`;
  const words = Array.from({ length: WORDS_PER_NOTE }, () => word).join(', ');
  const expressions = [
    g,
    'round((random() * 1000)::numeric, 2)',
    '1 + floor(random() * 100)::int',
    `(${pools.names})[1 + floor(random() * ${NAME_POOL.length})::int]`,
    `(${pools.cities})[1 + floor(random() * ${CITY_POOL.length})::int]`,
    `timestamp '2024-01-01' + make_interval(secs => ${g}::float8 * 31 + floor(random() * 30))`,
    'random() < 0.5',
    `rtrim(left(concat_ws(' ', ${words}), ${NOTE_MIN + 1} + floor(random() * ${NOTE_MAX - NOTE_MIN})::int))`,
    'random()',
    "chr(65 + floor(random() * 26)::int) || '-' || lpad(floor(random() * 1000000)::int::text, 6, '0')",
  ];
  return expressions.map((expression, i) => `${expression} AS ${COLUMN_NAMES[i]}`).join(',\n      ');
}

function insertSql(table: string): string {
  return `INSERT INTO ${table} (${COLUMN_NAMES.join(', ')})
    SELECT ${rowExpressions('g', { names: '$1::text[]', cities: '$2::text[]', words: '$3::text[]' })}
    FROM generate_series(1, $4::int) AS g`;
}

export interface TableStatus {
  readonly table: string;
  /** Milliseconds spent building it, 0 when it already existed. */
  readonly builtMs: number;
}

/**
 * Makes sure the table (default bench.orders_<rows>) exists with the current dataset version;
 * builds it, and its schema, if not.
 */
export async function ensureTable(rows: number, source = DEFAULT_SOURCE, table = tableName(rows)): Promise<TableStatus> {
  const schema = table.split('.')[0] as string;
  const comment = `${VERSION} rows=${rows}`;
  const client = new pg.Client({ connectionString: source });
  await client.connect();
  try {
    const found = await client.query<{ comment: string | null }>(
      'SELECT obj_description(to_regclass($1), $2) AS comment',
      [table, 'pg_class'],
    );
    if (found.rows[0]?.comment === comment) return { table, builtMs: 0 };
    const started = performance.now();
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (
      id integer NOT NULL, amount numeric(12,2), qty integer, name text, city text,
      created_at timestamp, active boolean, note text, ratio double precision, code text)`);
    await client.query('SELECT setseed(0.42)');
    await client.query(insertSql(table), [NAME_POOL, CITY_POOL, NOTE_WORDS, rows]);
    await client.query(`COMMENT ON TABLE ${table} IS '${comment}'`);
    await client.query('COMMIT');
    // Sets hint bits and the visibility map now, so the first measured scan does not pay for it.
    await client.query(`VACUUM (ANALYZE) ${table}`);
    return { table, builtMs: performance.now() - started };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`could not build ${table} in ${source}: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end();
  }
}

/** Drops the bench schema and every table in it (`--drop-db`). */
export async function dropBenchSchema(source = DEFAULT_SOURCE): Promise<void> {
  const client = new pg.Client({ connectionString: source });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS bench CASCADE');
  } finally {
    await client.end();
  }
}
