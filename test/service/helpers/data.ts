/** Test data: SQLite order files and PostgreSQL tables, each uniquely named and dropped afterwards. */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** `orders(id integer, amount real, note text)` with ids 1..rows and amount = id * 1.5. */
export function makeSqliteOrders(path: string, rows: number): void {
  const db = new Database(path);
  db.exec('create table orders (id integer primary key, amount real, note text)');
  const insert = db.prepare('insert into orders values (?, ?, ?)');
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) insert.run(id, id * 1.5, `note ${id}`);
  })();
  db.close();
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A PostgreSQL `orders` table like the SQLite one; answers its name. */
export async function makePgOrders(rows: number): Promise<string> {
  const table = uniqueName('svc_orders');
  await withPg(async (client) => {
    await client.query(`create table ${table} (id integer primary key, amount double precision, note text)`);
    await client.query(`insert into ${table} select g, g * 1.5, 'note ' || g from generate_series(1, $1::int) g`, [rows]);
  });
  return table;
}

export async function dropPgTable(table: string): Promise<void> {
  await withPg((client) => client.query(`drop table if exists ${table}`));
}

/** Backends (other than ours) that are running or holding a transaction for a query containing `marker`. */
export async function busyBackends(marker: string): Promise<number> {
  return withPg(async (client) => {
    const result = await client.query(
      "select count(*)::int as n from pg_stat_activity where pid <> pg_backend_pid() and query like $1 and (state = 'active' or state like 'idle in transaction%')",
      [`%${marker}%`],
    );
    return (result.rows[0] as { n: number }).n;
  });
}

/** Waits (bounded) until `check()` is true. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * 50 million rows that stream from the first fetch (a join of two small series; one big
 * generate_series would be materialised first), so an export of it runs until cancelled.
 * The comment marks it in pg_stat_activity.
 */
export function slowQuery(marker: string): string {
  return `select a.g * 10000 + b.g as id, md5(b.g::text) as hash from generate_series(0, 4999) as a(g), generate_series(1, 10000) as b(g) /* ${marker} */`;
}
