// Shared by the source tests: real servers on loopback, unique object names, temp files.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { CellValue } from '../../src/xlsx/types.js';
import type { QueryCursor, QueryRequest, Source, SourceColumn } from '../../src/sources/types.js';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';

/** A name no other test (or concurrent run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sheetpipe-sources-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A plain pg client for setup and for watching pg_stat_activity (default type parsing). */
export async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, application_name: 'sheetpipe-test-admin' });
  await client.connect();
  return client;
}

export async function mysqlAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test', multipleStatements: true });
}

/** Runs the query and collects every row, checking each batch stays within the batch size. */
export async function collect(source: Source, request: QueryRequest): Promise<{ cursor: QueryCursor; rows: CellValue[][]; batches: number }> {
  const cursor = await source.query(request);
  const rows: CellValue[][] = [];
  let batches = 0;
  for await (const batch of cursor.batches()) {
    if (batch.length === 0 || batch.length > 5000) throw new Error(`batch of ${batch.length} rows`);
    batches++;
    for (const row of batch) rows.push(row);
  }
  await cursor.close();
  return { cursor, rows, batches };
}

/** The source's describe step, which every sheetpipe source has. */
export function describeOf(source: Source): (request: QueryRequest) => Promise<readonly SourceColumn[]> {
  const { describe } = source;
  if (describe === undefined) throw new Error(`the ${source.kind} source has no describe`);
  return (request) => describe.call(source, request);
}

/** Polls `check` every 50 ms until it returns true or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Milliseconds of a wall-clock time given as UTC fields. */
export const utc = (iso: string): number => Date.parse(`${iso}Z`);
/** A time-of-day cell's value (a Date on 1899-12-31 UTC). */
export const timeOfDay = (hms: string): number => Date.parse(`1899-12-31T${hms}Z`);

/** Cells in a comparable form: Dates by getTime(), everything else as is. */
export function plain(row: readonly CellValue[]): unknown[] {
  return row.map((cell) => (cell instanceof Date ? { ms: cell.getTime() } : cell));
}

/** `name:kind[:format][.decimals][/valueWidth]`: a column's display in one comparable string. */
export function describeColumn(column: SourceColumn): string {
  const format = column.format === undefined ? '' : `:${typeof column.format === 'string' ? column.format : 'code' in column.format ? column.format.code : column.format.currency}`;
  const decimals = column.decimals === undefined ? '' : `.${column.decimals}`;
  const width = column.valueWidth === undefined ? '' : `/${column.valueWidth}`;
  return `${column.name}:${column.kind}${format}${decimals}${width}`;
}
