/**
 * Each defence behind the lexical check, on its own, against the real servers: PostgreSQL's
 * Parse + Describe and MariaDB's prepare refuse what returns no rows without executing it; the read-only transaction
 * stops what returns rows but writes (data-modifying CTEs, FOR UPDATE, nextval) before it changes
 * anything; SQLite's statement flags; and the sources refusing before any connection is used.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2';
import pg from 'pg';
import { isSheetpipeError } from '../../src/errors.js';
import { openSource } from '../../src/sources/index.js';
import { requireResultColumns } from '../../src/sources/mysql-describe.js';
import { requireRowDescription } from '../../src/sources/pg-describe.js';
import type { Source } from '../../src/sources/types.js';
import { MYSQL_URL, PG_URL, collect, mysqlAdmin, pgAdmin, tempDir, uniqueName } from './helpers.js';

const table = uniqueName('guard_layers');
const marker = `/tmp/${uniqueName('guard_layers')}`;
let admin: pg.Client;

before(async () => {
  admin = await pgAdmin();
  await admin.query(`create table ${table} (id int primary key, note text)`);
  await admin.query(`insert into ${table} values (1, 'one'), (2, 'two')`);
  await admin.query(`create sequence ${table}_seq`);
});

after(async () => {
  await admin.query(`drop table if exists ${table}`);
  await admin.query(`drop sequence if exists ${table}_seq`);
  await admin.end();
});

async function contents(): Promise<unknown> {
  const rows = await admin.query(`select string_agg(id || ':' || note, ',' order by id) as rows from ${table}`);
  const sequence = await admin.query(`select last_value, is_called from ${table}_seq`);
  return { rows: rows.rows[0], sequence: sequence.rows[0] };
}

/** A superuser connection inside a read-only transaction, as a PostgresCursor has. */
async function readOnly<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await work(client);
  } finally {
    await client.end();
  }
}

test('PostgreSQL Describe: statements without a row description are refused unexecuted', async () => {
  const before = await contents();
  const noRows = [
    `copy (select 1) to program 'touch ${marker}'`, `copy ${table} to '${marker}'`, 'copy (select 1) to stdout', 'commit', 'set role postgres',
    `do $$ begin perform pg_sleep(0); end $$`, `lock table ${table}`, 'listen guard_layers', "notify guard_layers, 'x'",
    `select * into ${table}_new from ${table}`, `insert into ${table} values (3, 'three')`, `delete from ${table}`, `truncate ${table}`, '',
  ];
  await readOnly(async (client) => {
    for (const sql of noRows) {
      await assert.rejects(requireRowDescription(client, sql), (error: unknown) => {
        assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'), `${sql}: ${String(error)}`);
        assert.match(error.message, /describes the statement as returning no rows/);
        return true;
      });
    }
    await requireRowDescription(client, `select * from ${table} where id = $1`);
    await requireRowDescription(client, `with x as (select 1) table ${table}`);
  });
  // A server error aborts the transaction, so each of these gets its own.
  await readOnly((client) => assert.rejects(requireRowDescription(client, `select 1; delete from ${table}`), /cannot insert multiple commands into a prepared statement/));
  await readOnly((client) => assert.rejects(requireRowDescription(client, 'call guard_nope()'), /does not exist|returning no rows/));
  assert.equal(existsSync(marker), false, 'COPY TO PROGRAM / TO FILE never ran');
  assert.deepEqual(await contents(), before);
});

test('PostgreSQL: what returns rows but writes is stopped by the read-only transaction before it changes anything', async () => {
  const before = await contents();
  const writesWithRows = [
    `with d as (delete from ${table} returning *) select * from d`,
    `with u as (update ${table} set note = 'x' returning id) select * from u`,
    `insert into ${table} values (3, 'three') returning id`,
    `select * from ${table} for update`,
    `select nextval('${table}_seq')`,
  ];
  for (const sql of writesWithRows) {
    await readOnly(async (client) => {
      await requireRowDescription(client, sql); // Describe alone cannot tell these from a SELECT
      await assert.rejects(client.query(sql), /read-only transaction/, sql);
    });
  }
  assert.deepEqual(await contents(), before);
});

test('MariaDB prepare: statements without result columns are refused unexecuted; the cursor reuses the prepared statement', async () => {
  const connection = mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
  const run = (sql: string): Promise<unknown[]> => new Promise((resolve, reject) => connection.query(sql, (error, rows) => (error ? reject(error) : resolve(rows as unknown[]))));
  const mysqlTable = uniqueName('guard_layers_m');
  try {
    await run(`create table ${mysqlTable} (id int)`);
    await run('START TRANSACTION READ ONLY');
    for (const sql of [`drop table ${mysqlTable}`, `truncate table ${mysqlTable}`, `alter table ${mysqlTable} add column x int`, `select 'x' into outfile '${marker}'`,
      'select 1 into @v', 'do 1', `delete from ${mysqlTable}`, `insert into ${mysqlTable} values (1)`, 'set @a = 1', 'commit']) {
      await assert.rejects(requireResultColumns(connection, sql), (error: unknown) => {
        assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY') || /not supported in the prepared statement protocol|in a READ ONLY transaction/.test(String(error)), `${sql}: ${String(error)}`);
        return true;
      });
    }
    await assert.rejects(requireResultColumns(connection, 'select 1; select 2'), /syntax/);
    const before = await run("show session status like 'Com_stmt_prepare'");
    await requireResultColumns(connection, `select id from ${mysqlTable} where id > ?`);
    await new Promise<void>((resolve, reject) => connection.execute({ sql: `select id from ${mysqlTable} where id > ?`, values: [0], rowsAsArray: true }, (error) => (error ? reject(error) : resolve())));
    const afterRows = await run("show session status like 'Com_stmt_prepare'");
    const count = (rows: unknown[]): number => Number((rows[0] as { Value: string }).Value);
    assert.equal(count(afterRows) - count(before), 1, 'prepared once, executed from the cache');
    await run('rollback');
    const [exists] = (await run(`select count(*) as n from information_schema.tables where table_name = '${mysqlTable}'`)) as Array<{ n: number }>;
    assert.equal(exists?.n, 1, 'the table is still there');
    assert.equal(existsSync(marker), false);
  } finally {
    await run(`drop table if exists ${mysqlTable}`).catch(() => undefined);
    connection.end();
  }
});

test('sources refuse before taking a connection: PostgreSQL, MariaDB, SQLite', async () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'guard.db');
  const db = new Database(path);
  db.exec("create table t (id integer); insert into t values (1)");
  db.close();
  const mysqlAdminConnection = await mysqlAdmin();
  await mysqlAdminConnection.query(`create table ${table} (id int)`);
  const sources: Array<[Source, string[]]> = [
    [await openSource(PG_URL), [`with d as (delete from ${table} returning *) select * from d`, `select pg_read_file('/etc/hostname')`, 'commit']],
    [await openSource(MYSQL_URL), [`drop table ${table}`, `select 1 into outfile '${marker}'`, `handler ${table} open`]],
    [await openSource(`sqlite:${path}`), ["attach database '/tmp/x' as x", 'pragma user_version = 3']],
  ];
  try {
    for (const [source, attacks] of sources) {
      for (const sql of attacks) {
        await assert.rejects(source.query({ sql }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'), `${source.kind}: ${sql}`);
      }
      // The refused queries used no connection: the one opened by openSource still serves this read.
      const { rows } = await collect(source, { sql: 'select 1 as one', comment: "traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'" });
      assert.equal(Number(rows[0]?.[0]), 1);
    }
    const [[exists]] = (await mysqlAdminConnection.query(`select count(*) as n from information_schema.tables where table_name = '${table}'`)) as unknown as [[{ n: number }]];
    assert.equal(exists.n, 1);
    assert.equal(existsSync(marker), false);
  } finally {
    for (const [source] of sources) await source.close();
    await mysqlAdminConnection.query(`drop table if exists ${table}`);
    await mysqlAdminConnection.end();
    cleanup();
  }
});

test('SQLite statement flags: what the source requires (reader and readonly) refuses ATTACH, writing PRAGMAs and writes', () => {
  const db = new Database(':memory:');
  try {
    db.exec('create table t (id integer)');
    const flags = (sql: string): [boolean, boolean] => {
      const statement = db.prepare(sql);
      return [statement.reader, statement.readonly];
    };
    assert.deepEqual(flags('select * from t'), [true, true]);
    assert.deepEqual(flags('values (1)'), [true, true]);
    assert.notDeepEqual(flags("attach database ':memory:' as x"), [true, true]);
    assert.notDeepEqual(flags('pragma user_version = 3'), [true, true]);
    assert.notDeepEqual(flags('delete from t returning id'), [true, true]);
    assert.notDeepEqual(flags('create table u (a)'), [true, true]);
  } finally {
    db.close();
  }
});
