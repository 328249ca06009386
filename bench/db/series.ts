/**
 * The scale cases' rows: the bench table's columns and shapes (bench/db/table.ts) computed by PostgreSQL while the
 * export reads them, from a streamed generate_series, so 10,000,000 or 120,000,000 rows need no table on disk (a
 * 120M-row table would be ~15 GB and ~20 minutes to build on this machine).
 *
 * The series is in the SELECT list of a subquery (a ProjectSet node, one row at a time, and a subquery with a
 * set-returning function is never pulled up), not in FROM: a function scan in FROM materialises its whole result
 * into a tuplestore, spilling to disk, before the first row leaves the server.
 */
import { CITY_POOL, NAME_POOL, NOTE_WORDS } from '../dataset.js';
import { rowExpressions } from './table.js';

const textArray = (values: readonly string[]): string =>
  `ARRAY[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')}]::text[]`;

/** A query that streams `rows` bench rows, ids 1…rows in order, with the bench table's column names. */
export function seriesQuery(rows: number): string {
  if (!Number.isInteger(rows) || rows < 1 || rows > 2_147_483_647) throw new RangeError(`rows must be 1…2^31-1, got ${rows}`);
  const pools = { names: textArray(NAME_POOL), cities: textArray(CITY_POOL), words: textArray(NOTE_WORDS) };
  return `SELECT ${rowExpressions('s.g', pools)} FROM (SELECT generate_series(1, ${rows}) AS g) AS s`;
}
