import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { isSheetpipeError } from '../../src/errors.js';
import { BATCH_ROWS, openSource, tableQuery } from '../../src/sources/index.js';
import type { Source } from '../../src/sources/types.js';
import { collect, describeColumn, describeOf, eventually, pgAdmin, PG_URL, plain, timeOfDay, uniqueName, utc } from './helpers.js';

let admin: pg.Client;
let source: Source;
const schema = uniqueName('sp_src');

before(async () => {
  admin = await pgAdmin();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TYPE ${schema}.mood AS ENUM ('sad', 'happy')`);
  await admin.query(`CREATE DOMAIN ${schema}.money2 AS numeric(12,2)`);
  await admin.query(`CREATE TABLE ${schema}.orders (id int8 PRIMARY KEY, note text)`);
  await admin.query(`INSERT INTO ${schema}.orders VALUES (1, 'one'), (2, 'two')`);
  source = await openSource(PG_URL);
});

after(async () => {
  await source.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
});

async function one(sql: string, timeZone?: string): Promise<unknown[]> {
  const { rows } = await collect(source, timeZone === undefined ? { sql } : { sql, timeZone });
  assert.equal(rows.length, 1);
  return plain(rows[0] ?? []);
}

test('integers: numbers within ±(2^53 − 1), exact text beyond', async () => {
  const row = await one(`select 32767::int2, (-2147483648)::int4, 9007199254740991::int8, (-9007199254740991)::int8,
    9007199254740992::int8, 9223372036854775807::int8, '-9223372036854775808'::int8, 42::oid`);
  assert.deepEqual(row, [32767, -2147483648, 9007199254740991, -9007199254740991, '9007199254740992', '9223372036854775807', '-9223372036854775808', 42]);
});

test('numeric: a number when it round-trips, else exact text; floats are numbers', async () => {
  const row = await one(`select 0.1000000000::numeric, 123.450::numeric, 1.50::${schema}.money2,
    12345678901234567890.123456789::numeric, 1e40::numeric, (2::numeric ^ 80), 0.30000000000000004::numeric,
    1.1::float4, 0.1::float8, 1e308::float8, -0.5::float8, 5e-324::float8`);
  assert.deepEqual(row, [0.1, 123.45, 1.5, '12345678901234567890.123456789', 1e40, '1208925819614629174706176.0000000000000000', 0.30000000000000004, 1.1, 0.1, 1e308, -0.5, 5e-324]);
});

test('NaN and ±Infinity from the database are SHEETPIPE_ERR_SOURCE_NOT_FINITE naming row and column', async () => {
  for (const [value, type] of [['NaN', 'float8'], ['Infinity', 'float8'], ['-Infinity', 'float4'], ['NaN', 'numeric'], ['Infinity', 'numeric'], ['infinity', 'timestamp']] as const) {
    const cursor = await source.query({ sql: `select g as n, case when g = 3 then '${value}'::${type} end as "bad col" from generate_series(1, 4) g` });
    await assert.rejects(
      (async () => {
        for await (const batch of cursor.batches()) void batch;
      })(),
      (error: unknown) => {
        assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FINITE'), String(error));
        assert.match(error.message, new RegExp(`row 3, column "bad col": the database returned ${value}`));
        return true;
      },
    );
    await cursor.close();
  }
});

test('booleans, text, uuid, enum, unicode, NULL and empty string', async () => {
  const row = await one(`select true, false, 'héllo wörld ✓ 日本語 🎉'::text, ''::text, null::text, ' '::varchar,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'happy'::${schema}.mood, 'x'::char(3), interval '1 day 02:00:00', '192.168.0.1'::inet`);
  assert.deepEqual(row, [true, false, 'héllo wörld ✓ 日本語 🎉', null, null, ' ', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', 'x  ', '1 day 02:00:00', '192.168.0.1']);
});

test('json/jsonb keep the server text (20-digit numbers keep their digits); bytea is lowercase hex', async () => {
  const row = await one(`select '{"id": 12345678901234567890, "x": [1.10]}'::json, '{"id": 12345678901234567890}'::jsonb,
    '\\x00FFab'::bytea, ''::bytea, 'null'::jsonb`);
  assert.deepEqual(row, ['{"id": 12345678901234567890, "x": [1.10]}', '{"id": 12345678901234567890}', '00ffab', null, 'null']);
});

test('arrays become JSON array text, including user-defined element types', async () => {
  const row = await one(`select array[1, null, 3]::int4[], array[[1,2],[3,4]]::int8[], array['a"b', null, 'NULL', '']::text[],
    array[true, false], array['sad', 'happy']::${schema}.mood[], array[12345678901234567890.5]::numeric[],
    array['{"a": 1}']::jsonb[], '{}'::int[], array['2024-01-02'::date]`);
  assert.deepEqual(row, ['[1,null,3]', '[[1,2],[3,4]]', '["a\\"b",null,"NULL",""]', '[true,false]', '["sad","happy"]', '[12345678901234567890.5]', '[{"a": 1}]', '[]', '["2024-01-02"]']);
});

test('date, time, timestamp as stored; timestamptz in the display zone', async () => {
  const sql = `select '2024-02-29'::date, '13:45:30.25'::time, '24:00:00'::time, '2024-03-10 02:30:00.123456'::timestamp,
    '2024-07-01 12:00:00+00'::timestamptz, '0044-03-15 BC'::date, '10000-01-01'::date`;
  const expectedStart = [{ ms: utc('2024-02-29T00:00:00') }, { ms: timeOfDay('13:45:30.250') }, '24:00:00', { ms: utc('2024-03-10T02:30:00.123') }];
  assert.deepEqual(await one(sql), [...expectedStart, { ms: utc('2024-07-01T12:00:00') }, '0044-03-15 BC', { ms: Date.parse('+010000-01-01T00:00:00Z') }]);
  const shown = await one(sql, 'America/New_York');
  assert.deepEqual(shown.slice(0, 5), [...expectedStart, { ms: utc('2024-07-01T08:00:00') }]);
  assert.deepEqual((await one(`select '2024-01-15 12:00:00+00'::timestamptz`, 'Asia/Kolkata'))[0], { ms: utc('2024-01-15T17:30:00') });
  // A session zone set by the server or role does not leak in: timestamptz is read in UTC.
  assert.deepEqual(await one(`select '2024-07-01 12:00:00+02'::timestamptz, current_setting('TimeZone')`), [{ ms: utc('2024-07-01T10:00:00') }, 'UTC']);
});

test('columns: names as headers, kinds and formats from the types', async () => {
  const cursor = await source.query({
    sql: `select 1 as "2024", 'x'::text as "naïve name", now()::date as d, 1.5::numeric as n, true as b, now() as t,
      1::int2 as i2, 1::int8 as i8, 1::numeric(12,2) as amount, 1::numeric(5,0) as whole, 0.5::numeric(3,3) as frac,
      now()::timestamp(0) as t0, now()::timestamp(3) as t3, now()::time as tm, now()::time(0) as tm0, 1.5::float8 as f`,
  });
  assert.deepEqual(cursor.columns.map(describeColumn), [
    '2024:integer:integer/11',
    'naïve name:text',
    'd:date:date',
    'n:decimal', // numeric without a declared scale: General, width from the data
    'b:boolean',
    't:datetime:datetime.3', // timestamptz without a precision keeps microseconds: shown to the millisecond
    'i2:integer:integer/6',
    'i8:integer:integer/20',
    'amount:decimal:#,##0.00/17', // -9,999,999,999.99
    'whole:decimal:#,##0/7', // -99,999
    'frac:decimal:#,##0.000/6', // -0.999
    't0:datetime:datetime',
    't3:datetime:datetime.3',
    'tm:time:time.3',
    'tm0:time:time',
    'f:number',
  ]);
  await cursor.close();
  await cursor.close(); // idempotent
});

test('describe: the cursor\'s columns from Parse + Describe, nothing executed, in and out of a snapshot', async () => {
  // 1/0 fails only when executed; a user-defined enum, domain and array need the pg_type lookup.
  const sql = `select 1/0 as boom, 'x'::text as t, 1::numeric(12,2) as amount, 'happy'::${schema}.mood as m, 1::${schema}.money2 as d,
    array['sad']::${schema}.mood[] as ms, now() as at, id, note from ${schema}.orders where id = :id`;
  const describe = describeOf(source);
  const described = await describe({ sql, params: { id: 1 } });
  assert.deepEqual(described.map(describeColumn), [
    'boom:integer:integer/11', 't:text', 'amount:decimal:#,##0.00/17', 'm:text', 'd:decimal:#,##0.00/17', 'ms:json', 'at:datetime:datetime.3', 'id:integer:integer/20', 'note:text',
  ]);
  const cursor = await source.query({ sql: sql.replace('1/0', '1'), params: { id: 1 } });
  assert.deepEqual(cursor.columns, described);
  await cursor.close();
  const snapshot = await source.snapshot?.();
  assert.ok(snapshot);
  try {
    assert.deepEqual(await describeOf(snapshot)({ sql, params: { id: 1 } }), described);
    // The snapshot's connection goes on serving queries after a describe.
    assert.deepEqual((await collect(snapshot, { sql: `select note from ${schema}.orders where id = :id`, params: { id: 2 } })).rows, [['two']]);
  } finally {
    await snapshot.close();
  }
  await assert.rejects(describe({ sql: `insert into ${schema}.orders values (9, 'x') returning id` }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'));
  await assert.rejects(describe({ sql: `select nope from ${schema}.orders` }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY') && /column "nope" does not exist/.test(error.message));
});

test('streams in batches of at most 5,000 rows, in order, through one REPEATABLE READ READ ONLY transaction', async () => {
  const { rows, batches } = await collect(source, { sql: `select g, current_setting('transaction_isolation') iso, current_setting('transaction_read_only') ro from generate_series(1, 12345) g` });
  assert.equal(rows.length, 12345);
  assert.ok(batches >= 3, `batches: ${batches}`);
  assert.deepEqual(rows[0], [1, 'repeatable read', 'on']);
  assert.deepEqual(rows.at(-1), [12345, 'repeatable read', 'on']);
  assert.ok(rows.every((row, i) => row[0] === i + 1));
});

test('--table query, parameters and an empty result', async () => {
  const { rows } = await collect(source, { sql: `${tableQuery('postgres', `${schema}.orders`)} WHERE id = :id`, params: { id: 2 } });
  assert.deepEqual(rows, [[2, 'two']]);
  const empty = await collect(source, { sql: `select * from ${schema}.orders where false` });
  assert.deepEqual(empty.rows, []);
  assert.deepEqual(empty.cursor.columns.map((c) => c.name), ['id', 'note']);
});

test('read-only: writes are refused before they reach the server and change nothing', async () => {
  for (const sql of [`insert into ${schema}.orders values (3, 'three')`, `update ${schema}.orders set note = 'x'`, `select 1; delete from ${schema}.orders`, `create table ${schema}.t2 (a int)`]) {
    await assert.rejects(source.query({ sql }), (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'), String(error));
      assert.match(error.message, /is not a read query|more than one statement/);
      return true;
    });
  }
  const count = await admin.query(`select count(*)::int as n, string_agg(note, ',' order by id) as notes from ${schema}.orders`);
  assert.deepEqual(count.rows[0], { n: 2, notes: 'one,two' });
});

async function activeWith(marker: string): Promise<Array<{ pid: number; state: string; query: string }>> {
  const result = await admin.query(`select pid, state, query from pg_stat_activity where query like $1 and pid <> pg_backend_pid()`, [`%${marker}%`]);
  return result.rows;
}

test('abort during a long statement cancels it on the server; the comment shows in pg_stat_activity', async () => {
  const marker = uniqueName('cancel');
  const controller = new AbortController();
  const started = Date.now();
  const pending = source.query({ sql: 'select pg_sleep(30) as s', signal: controller.signal, comment: `traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',color='${marker}'` });
  pending.catch(() => {});
  assert.ok(await eventually(async () => (await activeWith(marker)).some((row) => row.state === 'active')), 'the query never became active');
  const [running] = await activeWith(marker);
  assert.equal(running?.query, `/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',color='${marker}'*/ select pg_sleep(30) as s`);
  const reason = new Error('user pressed Ctrl-C');
  controller.abort(reason);
  await assert.rejects(pending, (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'), String(error));
    assert.equal(error.cause, reason);
    return true;
  });
  assert.ok(await eventually(async () => !(await activeWith(marker)).some((row) => row.state === 'active'), 3000), 'the statement still runs on the server');
  assert.ok(Date.now() - started < 10_000);
});

test('abort mid-stream stops the running fetch on the server and batches() rejects', async () => {
  const marker = uniqueName('midstream');
  const controller = new AbortController();
  // The first batch comes at once; producing the second one hits pg_sleep(30).
  // generate_series in the select list streams (in FROM it would be materialised first).
  const cursor = await source.query({ sql: `select g, case when g = 2500 then pg_sleep(30) end from (select generate_series(1, 100000) g) s`, signal: controller.signal, comment: `color='${marker}'` });
  const iterator = cursor.batches()[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.value?.length, BATCH_ROWS);
  assert.ok(await eventually(async () => (await activeWith(marker)).some((row) => row.state === 'active')), 'the prefetch never became active');
  const pending = iterator.next();
  controller.abort('timeout');
  await assert.rejects(pending, (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED') && error.cause === 'timeout');
  await cursor.close();
  assert.ok(await eventually(async () => (await activeWith(marker)).length === 0, 2000), 'the backend is gone after close');
});

test('closing early releases the cursor without reading the rest', async () => {
  const marker = uniqueName('early');
  const cursor = await source.query({ sql: 'select generate_series(1, 50000000) g', comment: `color='${marker}'` });
  for await (const batch of cursor.batches()) {
    assert.equal(batch[0]?.[0], 1);
    break;
  }
  await cursor.close();
  // Idle (connection kept) or gone (a fetch was in flight, so it was cancelled and closed).
  assert.ok(await eventually(async () => (await activeWith(marker)).every((row) => row.state === 'idle'), 2000), JSON.stringify(await activeWith(marker)));
  // The source keeps working.
  assert.deepEqual((await collect(source, { sql: 'select 1' })).rows, [[1]]);
});

test('an already aborted signal rejects before anything runs', async () => {
  const controller = new AbortController();
  controller.abort(new Error('too late'));
  await assert.rejects(source.query({ sql: 'select 1', signal: controller.signal }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
  assert.deepEqual((await collect(source, { sql: 'select 2' })).rows, [[2]]);
});

test('bad SQL is SHEETPIPE_ERR_SOURCE_QUERY with the database message; a runtime error mid-stream too', async () => {
  await assert.rejects(source.query({ sql: `select * from ${schema}.nope` }), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY'));
    assert.match(error.message, new RegExp(`relation "${schema}.nope" does not exist`));
    assert.ok(error.cause instanceof Error);
    return true;
  });
  const cursor = await source.query({ sql: 'select 1 / (5000 - g) from generate_series(1, 6000) g' });
  await assert.rejects(
    (async () => {
      for await (const batch of cursor.batches()) void batch;
    })(),
    /division by zero/,
  );
  await cursor.close();
});

test('close() ends every connection; queries after close fail clearly', async () => {
  const own = await openSource(PG_URL);
  const cursor = await own.query({ sql: 'select g from generate_series(1, 10000) g', comment: "color='own-close'" });
  await own.close();
  await own.close();
  await cursor.close();
  await assert.rejects(own.query({ sql: 'select 1' }), /the source is closed/);
  // The server ends a backend a moment after its client socket closes: give it up to 2 s.
  assert.ok(await eventually(async () => (await activeWith('own-close')).length === 0, 2000), JSON.stringify(await activeWith('own-close')));
});
