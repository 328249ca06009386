import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type mysql from 'mysql2/promise';
import { isSheetpipeError } from '../../src/errors.js';
import { BATCH_ROWS, openSource, tableQuery } from '../../src/sources/index.js';
import type { Source } from '../../src/sources/types.js';
import { collect, describeColumn, describeOf, eventually, mysqlAdmin, MYSQL_URL, plain, timeOfDay, uniqueName, utc } from './helpers.js';

let admin: mysql.Connection;
let source: Source;
const table = uniqueName('sp_src_types');

before(async () => {
  admin = await mysqlAdmin();
  await admin.query(`CREATE TABLE ${table} (
    id INT PRIMARY KEY, flag BOOLEAN, tiny TINYINT, small SMALLINT, medium MEDIUMINT, big BIGINT, ubig BIGINT UNSIGNED, yr YEAR,
    dec1 DECIMAL(30,10), dec2 DECIMAL(65,30), f FLOAT, d DOUBLE,
    day DATE, wall DATETIME(6), instant TIMESTAMP(3) NULL, t1 TIME(3), t2 TIME,
    name VARCHAR(100), body TEXT, empty VARCHAR(10), mood ENUM('sad','happy'), tags SET('a','b','c'),
    doc JSON, bin VARBINARY(10), blb BLOB, bit1 BIT(1), bit8 BIT(8)
  ) DEFAULT CHARSET utf8mb4`);
  await admin.query(`INSERT INTO ${table} VALUES (
    1, TRUE, 7, -32768, 8388607, 9007199254740993, 18446744073709551615, 2024,
    0.1000000000, 12345678901234567890123456789.123456789012345678901234567891, 1.1, 0.1,
    '2024-02-29', '2024-03-10 02:30:00.123456', '2024-07-01 12:00:00.250', '13:45:30.500', '-12:30:00',
    'héllo ✓ 日本語 🎉', 'long text', '', 'happy', 'a,c',
    '{"id": 12345678901234567890}', x'00FFab', x'', b'1', b'101'
  ), (2, FALSE, NULL, 0, 0, -9007199254740991, 0, NULL, 123.450, 1.5, NULL, NULL, NULL, NULL, NULL, '838:59:59', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, b'0', NULL)`);
  source = await openSource(MYSQL_URL.replace('mysql:', 'mariadb:'));
});

after(async () => {
  await source.close();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
});

test('every column type maps to its cell (session zone UTC, display zone from the request)', async () => {
  const { rows, cursor } = await collect(source, { sql: `${tableQuery('mysql', table)} ORDER BY id`, timeZone: 'Europe/Berlin' });
  assert.deepEqual(plain(rows[0] ?? []), [
    1, true, 7, -32768, 8388607, '9007199254740993', '18446744073709551615', 2024,
    0.1, '12345678901234567890123456789.123456789012345678901234567891', 1.1, 0.1,
    { ms: utc('2024-02-29T00:00:00') }, { ms: utc('2024-03-10T02:30:00.123') }, { ms: utc('2024-07-01T14:00:00.250') }, { ms: timeOfDay('13:45:30.500') }, '-12:30:00',
    'héllo ✓ 日本語 🎉', 'long text', null, 'happy', 'a,c',
    '{"id": 12345678901234567890}', '00ffab', null, true, 5,
  ]);
  assert.deepEqual(plain(rows[1] ?? []), [2, false, null, 0, 0, -9007199254740991, 0, null, 123.45, 1.5, null, null, null, null, null, '838:59:59', null, null, null, null, null, null, null, null, null, false, null]);
  assert.deepEqual(
    cursor.columns.map(describeColumn),
    // Integers as wide as their type's most negative value; DECIMAL(p,s) with s places and thousands separators, as
    // wide as -9,999…; DATETIME(n)/TIMESTAMP(n)/TIME(n) with milliseconds when n > 0.
    ['id:integer:integer/11', 'flag:boolean', 'tiny:integer:integer/4', 'small:integer:integer/6', 'medium:integer:integer/8', 'big:integer:integer/20', 'ubig:integer:integer/20', 'yr:integer:integer/5',
      'dec1:decimal:#,##0.0000000000/38', `dec2:decimal:#,##0.${'0'.repeat(30)}/78`, 'f:number', 'd:number', 'day:date:date', 'wall:datetime:datetime.3', 'instant:datetime:datetime.3', 't1:time:time.3', 't2:time:time',
      'name:text', 'body:text', 'empty:text', 'mood:text', 'tags:text', 'doc:json', 'bin:binary', 'blb:binary', 'bit1:boolean', 'bit8:integer:integer/21'],
  );
});

test('describe: every type\'s column from COM_STMT_PREPARE, nothing executed, in and out of a snapshot', async () => {
  const describe = describeOf(source);
  const request = { sql: `${tableQuery('mysql', table)} WHERE id = :id`, params: { id: 1 } };
  const { cursor } = await collect(source, request);
  assert.deepEqual(await describe(request), cursor.columns);
  // The subquery fails only when executed; a bare placeholder's type comes from the bound value, so describe cannot know it.
  assert.deepEqual((await describe({ sql: 'select (select 1 union all select 2) as boom, :p as p, sum(dec1) as s from ' + table, params: { p: 1 } })).map(describeColumn), [
    'boom:integer:integer/11', 'p:unknown', 's:decimal:#,##0.0000000000/67',
  ]);
  const snapshot = await source.snapshot?.();
  assert.ok(snapshot);
  try {
    assert.deepEqual(await describeOf(snapshot)(request), cursor.columns);
    // The snapshot's connection goes on serving queries after a describe.
    assert.deepEqual((await collect(snapshot, { sql: `select name from ${table} where id = :id`, params: { id: 2 } })).rows, [[null]]);
  } finally {
    await snapshot.close();
  }
  await assert.rejects(describe({ sql: `insert into ${table} (id) values (9)` }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'));
  await assert.rejects(describe({ sql: `select nope from ${table}` }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY') && /Unknown column 'nope'/.test(error.message));
});

test('TIMESTAMP is an instant shown in the display zone; DATETIME is wall time as stored', async () => {
  const { rows } = await collect(source, { sql: `select instant, wall from ${table} where id = 1`, timeZone: 'America/Los_Angeles' });
  assert.deepEqual(plain(rows[0] ?? []), [{ ms: utc('2024-07-01T05:00:00.250') }, { ms: utc('2024-03-10T02:30:00.123') }]);
});

test('streams in batches of at most 5,000 rows, in order, with parameters', async () => {
  const { rows, batches } = await collect(source, { sql: 'select seq, :label as label from seq_1_to_12345', params: { label: 'x' } });
  assert.equal(rows.length, 12345);
  assert.ok(batches >= 3);
  assert.ok(rows.every((row, i) => row[0] === i + 1 && row[1] === 'x'));
});

test('read-only: writes are refused before they reach the server and change nothing', async () => {
  for (const sql of [`insert into ${table} (id) values (3)`, `update ${table} set name = 'x'`, `select 1; delete from ${table}`]) {
    await assert.rejects(source.query({ sql }), (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'), String(error));
      assert.match(error.message, /is not a read query|more than one statement/);
      return true;
    });
  }
  const [result] = await admin.query(`select count(*) as n from ${table}`);
  assert.deepEqual(result, [{ n: 2 }]);
});

async function processesWith(marker: string): Promise<Array<{ ID: number; COMMAND: string; INFO: string | null }>> {
  const [rows] = await admin.query(`select ID, COMMAND, INFO from information_schema.processlist where INFO like ? and ID <> connection_id()`, [`%${marker}%`]);
  return rows as Array<{ ID: number; COMMAND: string; INFO: string | null }>;
}

test('abort during a long statement kills it on the server (information_schema.processlist)', async () => {
  const marker = uniqueName('cancel');
  const controller = new AbortController();
  const pending = source.query({ sql: 'select sleep(30) as s', signal: controller.signal, comment: `color='${marker}'` });
  pending.catch(() => {});
  assert.ok(await eventually(async () => (await processesWith(marker)).length === 1), 'the query never showed in the processlist');
  assert.equal((await processesWith(marker))[0]?.INFO, `/*color='${marker}'*/ select sleep(30) as s`);
  const reason = new Error('stop');
  controller.abort(reason);
  await assert.rejects(pending, (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED') && error.cause === reason);
  assert.ok(await eventually(async () => (await processesWith(marker)).length === 0, 3000), 'the statement still runs on the server');
});

test('abort mid-stream kills the statement and batches() rejects', async () => {
  const marker = uniqueName('midstream');
  const controller = new AbortController();
  // The server buffers output before sending, so the sleep sits well past the first batch.
  const cursor = await source.query({ sql: 'select seq, if(seq = 30000, sleep(30), 0) as s from seq_1_to_100000', signal: controller.signal, comment: `color='${marker}'` });
  const iterator = cursor.batches()[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.length, BATCH_ROWS);
  assert.ok(await eventually(async () => (await processesWith(marker)).length === 1));
  controller.abort('deadline');
  await assert.rejects(iterator.next(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED') && error.cause === 'deadline');
  await cursor.close();
  assert.ok(await eventually(async () => (await processesWith(marker)).length === 0, 3000));
});

test('closing early stops a large result without reading it; the source keeps working', async () => {
  const marker = uniqueName('early');
  const cursor = await source.query({ sql: 'select seq from seq_1_to_50000000', comment: `color='${marker}'` });
  for await (const batch of cursor.batches()) {
    assert.equal(batch[0]?.[0], 1);
    break;
  }
  await cursor.close();
  assert.ok(await eventually(async () => (await processesWith(marker)).length === 0, 3000));
  assert.deepEqual((await collect(source, { sql: 'select 1 as one' })).rows, [[1]]);
});

test('bad SQL is SHEETPIPE_ERR_SOURCE_QUERY with the database message', async () => {
  await assert.rejects(source.query({ sql: `select * from ${table}_nope` }), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY'));
    assert.match(error.message, new RegExp(`Table 'test.${table}_nope' doesn't exist`));
    return true;
  });
  assert.deepEqual((await collect(source, { sql: 'select 2 as two' })).rows, [[2]]);
});
