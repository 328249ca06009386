/**
 * The security review's attacks, over real HTTP on loopback, as ad-hoc SQL from a "*" token against
 * real PostgreSQL (as superuser and as a SELECT-only role made here), MariaDB and SQLite. Every one
 * is refused with 400 SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY before a job exists, and the databases
 * and /tmp are compared before and after. A legit read with the service's own sqlcommenter
 * comment still runs on each source.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { isSheetpipeError } from '../../src/errors.js';
import { loadConfig } from '../../src/service/config/load.js';
import { makeSqliteOrders, PG_URL, withPg } from './helpers/data.js';
import { TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, writeConfig, type JobJson, type TestServer } from './helpers/server.js';

const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' };
const id = randomBytes(4).toString('hex');
const table = `guard_atk_${id}`;
const role = `guard_ro_${id}`;
const sequence = `guard_seq_${id}`;
/** Files an attack would create; none may exist afterwards. */
const files = ['prog', 'copy', 'outfile', 'dump', 'lo', 'vacuum', 'attach'].map((name) => `/tmp/guard_${id}_${name}`);
const [PROG, COPY, OUTFILE, DUMP, LO, VACUUM, ATTACH] = files as [string, string, string, string, string, string, string];

let dir: string;
let sqlitePath: string;
let server: TestServer;

before(async () => {
  dir = await makeTempDir();
  sqlitePath = join(dir, 'orders.db');
  makeSqliteOrders(sqlitePath, 20);
  await withPg(async (client) => {
    await client.query(`create table ${table} (id integer primary key, note text)`);
    await client.query(`insert into ${table} select g, 'note ' || g from generate_series(1, 20) g`);
    await client.query(`create sequence ${sequence}`);
    await client.query(`create role ${role} login`);
    await client.query(`grant select on ${table} to ${role}`);
    await client.query(`grant select on ${sequence} to ${role}`);
  });
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`create table ${table} (id int primary key, note varchar(20))`);
  await admin.query(`insert into ${table} values (1, 'one'), (2, 'two'), (3, 'three')`);
  await admin.end();
  server = await startServer(dir, {
    sources: {
      pgsuper: { url: PG_URL, adHocSql: true },
      pgro: { url: `postgres://${role}@127.0.0.1:5432/test`, adHocSql: true },
      maria: { url: 'mariadb://root@127.0.0.1:3306/test', adHocSql: true },
      lite: { url: `sqlite:${sqlitePath}`, adHocSql: true },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    // One token sends every attack back to back; the per-token rate limit (tested in security.test.ts) is not the
    // defence under test here.
    limits: { requestsPerSecond: 100_000 },
  }, { logger: false });
});

after(async () => {
  await server?.close();
  await withPg(async (client) => {
    await client.query(`drop table if exists ${table}, guard_new_${id}`);
    await client.query(`drop sequence if exists ${sequence}`);
    await client.query(`drop owned by ${role}`).catch(() => undefined);
    await client.query(`drop role if exists ${role}`);
  });
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`drop table if exists ${table}, guard_new_${id}`);
  await admin.end();
  await removeDir(dir);
});

async function pgSnapshot(): Promise<unknown> {
  return withPg(async (client) => {
    const rows = await client.query(`select count(*)::int as n, md5(string_agg(t::text, '|' order by id)) as hash from ${table} t`);
    const columns = await client.query("select string_agg(column_name, ',' order by ordinal_position) as c from information_schema.columns where table_name = $1", [table]);
    const sequenceValue = await client.query(`select last_value, is_called from ${sequence}`);
    const created = await client.query('select to_regclass($1) is not null as created', [`guard_new_${id}`]);
    const roleRow = await client.query('select rolsuper, rolcreaterole from pg_roles where rolname = $1', [role]);
    return { rows: rows.rows[0], columns: columns.rows[0], sequence: sequenceValue.rows[0], created: created.rows[0], role: roleRow.rows[0] };
  });
}

async function mariaSnapshot(): Promise<unknown> {
  const admin = await mysql.createConnection(MYSQL);
  try {
    const [checksum] = await admin.query(`checksum table ${table}`);
    const [create] = await admin.query(`show create table ${table}`);
    const [created] = await admin.query('select count(*) as n from information_schema.tables where table_schema = database() and table_name = ?', [`guard_new_${id}`]);
    return { checksum, create, created };
  } finally {
    await admin.end();
  }
}

function sqliteSnapshot(): string {
  return createHash('sha256').update(readFileSync(sqlitePath)).digest('hex');
}

async function snapshot(): Promise<unknown> {
  return { pg: await pgSnapshot(), maria: await mariaSnapshot(), sqlite: sqliteSnapshot(), files: files.filter((file) => existsSync(file)) };
}

/** POSTs each query as ad-hoc SQL and expects 400 NOT_READ_ONLY for every one. */
async function expectRefused(source: string, queries: readonly string[]): Promise<void> {
  for (const query of queries) {
    const response = await postExport(server.url, { source, query, format: 'csv' });
    const body = await response.text();
    assert.equal(response.status, 400, `${source}: ${JSON.stringify(query)} -> ${response.status} ${body}`);
    const error = (JSON.parse(body) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY', `${source}: ${query}: ${body}`);
    assert.match(error.message, /^refused to run the query: .+; only a single statement that returns rows runs$/);
  }
}

const unicode = (verb: string): string[] => [
  `ＤＲＯＰ TABLE ${table}`, // fullwidth
  `dr\u200bop table ${table}`, // zero-width space
  `select 1; \u2060drop table ${table}`, // word joiner
  `sеlect 1; drop table ${table}`, // Cyrillic е
  `select * from ${table} ｆｏｒ ｕｐｄａｔｅ`,
  `${verb}\u00a0* from ${table}`, // no-break space
  `\ufeff drop table ${table}`, // BOM
];

const pgAttacks = (): string[] => [
  `drop table ${table}`, `truncate ${table}`, `alter table ${table} add column x int`,
  `copy (select 1) to program 'id > ${PROG}'`, `copy ${table} to '${COPY}'`, 'copy (select 1) to stdout', `copy ${table} from '/etc/hostname'`,
  "select pg_read_file('/etc/hostname')", "select pg_catalog.\"pg_read_file\"('/etc/hostname')", "select pg_read_binary_file('/etc/hostname')",
  `select lo_export(lo_from_bytea(0, 'x'), '${LO}')`, "select pg_ls_dir('/')",
  `select dblink_exec('dbname=test', 'drop table ${table}')`, `select query_to_xml('delete from ${table} returning 1', true, false, '')`,
  "select set_config('default_transaction_read_only', 'off', false)", 'select pg_terminate_backend(1)', 'select pg_reload_conf()',
  'commit', 'rollback', 'begin', `commit; drop table ${table}`, 'set role postgres', 'set session authorization postgres', 'reset all',
  `do $$ begin execute 'drop table ${table}'; end $$`, 'call guard_nope()', `lock table ${table}`, 'listen guard', "notify guard, 'x'",
  `/* comment */ drop table ${table}`, `-- comment\ndrop table ${table}`, `/* a /* nested */ select */ drop table ${table}`,
  `select 1; drop table ${table}`, `select 1; select 2`,
  `with d as (delete from ${table} returning *) select * from d`, `with u as (update ${table} set note = 'x' returning id) select count(*) from u`,
  `with i as (insert into ${table} values (999, 'x') returning id) select * from i`,
  `select * from ${table} for update`, `select * from ${table} for no key update`, `select * from ${table} for share`,
  `select * into guard_new_${id} from ${table}`, `create table guard_new_${id} as select 1`, `explain analyze delete from ${table}`,
  `prepare s as delete from ${table}`, `select 'a\\' , pg_read_file('/etc/hostname') -- '`, `select U&"\\0070g_read_file"('/etc/hostname')`,
  ...unicode('select'),
];

test('PostgreSQL as superuser: every attack is refused before it runs, and nothing changes', async () => {
  const before = await snapshot();
  await expectRefused('pgsuper', pgAttacks());
  assert.deepEqual(await snapshot(), before);
});

test('PostgreSQL as a SELECT-only role: the same attacks are refused, and nothing changes', async () => {
  const before = await snapshot();
  await expectRefused('pgro', pgAttacks());
  assert.deepEqual(await snapshot(), before);
});

test('MariaDB: every attack is refused before it runs (implicit commits, files, locks), and nothing changes', async () => {
  const before = await snapshot();
  await expectRefused('maria', [
    `drop table ${table}`, `truncate ${table}`, `truncate table ${table}`, `alter table ${table} add column x int`, `rename table ${table} to guard_new_${id}`,
    `create table guard_new_${id} as select 1`, `select 'x' into outfile '${OUTFILE}'`, `select 'x' into dumpfile '${DUMP}'`,
    `select * from ${table} into outfile '${OUTFILE}'`, `select id into @v from ${table} limit 1`, `select 1 /*!50000 into outfile '${OUTFILE}' */`,
    `/*!drop table ${table}*/ select 1`, `select /*M!100000 1 into outfile '${OUTFILE}' */ 1`, "select load_file('/etc/hostname')",
    `load data infile '/etc/hostname' into table ${table}`, `load data local infile '/etc/hostname' into table ${table}`, `load xml infile '/etc/hostname' into table ${table}`,
    `handler ${table} open`, `handler ${table} read first`, 'set role none', 'set password = password(\'x\')', 'set autocommit = 1', 'commit', 'start transaction',
    `select * from ${table} for update`, `select * from ${table} lock in share mode`, `select * from ${table} for share`,
    `select 1; drop table ${table}`, `/* comment */ drop table ${table}`, `# comment\ndrop table ${table}`, `-- comment\ndrop table ${table}`,
    `select 1 # x\rinto outfile '${OUTFILE}'`, `select 1--1`, `select 'a\\' into outfile '${OUTFILE}' -- '`,
    `do (select 1 from ${table})`, 'call guard_nope()', `prepare s from 'drop table ${table}'`, 'execute s', 'flush tables', 'kill 1', `replace into ${table} values (1, 'x')`,
    `insert into ${table} values (9, 'x')`, `delete from ${table}`, `update ${table} set note = 'x'`, `with d as (select 1) delete from ${table}`,
    ...unicode('select'),
  ]);
  assert.deepEqual(await snapshot(), before);
});

test('SQLite: every attack is refused before it runs, and the file is byte-identical', async () => {
  const before = await snapshot();
  await expectRefused('lite', [
    'drop table orders', 'delete from orders', 'insert into orders values (99, 1, null)', 'update orders set note = 1', 'create table guard_x (a)',
    `attach database '${ATTACH}' as x`, 'detach database main', 'pragma journal_mode = wal', 'pragma writable_schema = 1', 'pragma user_version = 7',
    `vacuum into '${VACUUM}'`, 'vacuum', "select load_extension('/tmp/x')", "select writefile('/tmp/x', 'y')", 'select 1; delete from orders',
    'with d as (delete from orders returning *) select * from d', '/* c */ delete from orders', 'begin', 'commit', 'reindex', 'analyze',
    ...unicode('select'),
  ]);
  assert.deepEqual(await snapshot(), before);
});

test('legit reads still run on every source, with the sqlcommenter comment the service prepends', async () => {
  const reads: Array<[string, string, number]> = [
    ['pgsuper', `/* why */ with x as (select id from ${table} where id <= :n::int) select * from x -- trailing`, 5],
    ['pgro', `select id, note from ${table} where note <> 'delete from x; drop table y' order by id limit :n`, 5],
    ['pgro', `table ${table}`, 20],
    ['maria', `select id from ${table} where id <= :n # comment`, 3], // the table has 3 rows
    ['maria', `with x as (select id from ${table}) select * from x`, 3], // MariaDB has no TABLE statement (MySQL 8 has)
    ['maria', 'values (1), (2)', 2],
    ['lite', 'select id from orders where id <= :n', 5],
    ['lite', 'values (1), (2)', 2],
  ];
  for (const [source, query, rows] of reads) {
    const response = await fetch(`${server.url}/v1/exports`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', traceparent: `00-${randomBytes(16).toString('hex')}-00f067aa0ba902b7-01`, baggage: 'color=canary' },
      body: JSON.stringify({ source, query, params: query.includes(':n') ? { n: 5 } : {}, format: 'csv' }),
    });
    assert.equal(response.status, 202, `${source}: ${query}: ${await response.clone().text()}`);
    const job = await waitForJob(server.url, ((await response.json()) as JobJson).id, finished);
    assert.equal(job.status, 'succeeded', `${source}: ${query}: ${JSON.stringify(job.error)}`);
    assert.equal(job.rows, rows, `${source}: ${query}`);
  }
});

test('what the lexical check lets through, the read-only transaction stops before it changes anything', async () => {
  // nextval() is no name the check knows; the read-only transaction refuses it when it runs.
  const before = await snapshot();
  const response = await postExport(server.url, { source: 'pgsuper', query: `select nextval('${sequence}')`, format: 'csv' });
  assert.equal(response.status, 202);
  const job = await waitForJob(server.url, ((await response.json()) as JobJson).id, finished);
  assert.equal(job.status, 'failed');
  // The client sees the source-named message (docs/security.md); the database's own text ("cannot execute nextval()
  // in a read-only transaction") is only in the log. The snapshot is what proves nothing changed.
  assert.equal(job.error?.code, 'SHEETPIPE_ERR_SOURCE_QUERY');
  assert.equal(job.error?.message, 'the database of source pgsuper rejected the query');
  assert.deepEqual(await snapshot(), before);
});

test('a configured report that is not a read query stops the config from loading', async () => {
  const configDir = await makeTempDir();
  try {
    for (const [url, query] of [[PG_URL, `with d as (delete from ${table} returning *) select * from d`], ['mysql://root@127.0.0.1/test', "select 'x' into outfile '/tmp/x'"], [`sqlite:${sqlitePath}`, 'attach database \'/tmp/x\' as x']] as const) {
      const file = await writeConfig(configDir, { sources: { s: { url } }, reports: { bad: { source: 's', query } } });
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_CONFIG'), String(error));
        assert.match(error.message, /reports\.bad\.query: refused: /);
        return true;
      });
    }
  } finally {
    await removeDir(configDir);
  }
  const refused = await postExport(server.url, { source: 'lite', query: 'drop table orders' });
  assert.equal((await errorOf(refused)).code, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY');
});
