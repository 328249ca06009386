import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isSheetpipeError } from '../../src/errors.js';
import { BATCH_ROWS, openSource, tableQuery } from '../../src/sources/index.js';
import type { Source } from '../../src/sources/types.js';
import { collect, describeColumn, describeOf, plain, tempDir, timeOfDay, utc } from './helpers.js';

const { dir, cleanup } = tempDir();
const path = join(dir, 'shop.db');
let source: Source;

before(async () => {
  const db = new Database(path);
  db.exec(`
    CREATE TABLE things (id INTEGER PRIMARY KEY, big INTEGER, price REAL, amount NUMERIC, name TEXT, data BLOB, anything,
      day DATE, happened DATETIME, stamp TIMESTAMP, at TIME, ok BOOLEAN);
    CREATE TABLE "2024" ("1" INTEGER);
    INSERT INTO "2024" VALUES (1);
  `);
  const insert = db.prepare('INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  insert.run(1, 9007199254740993n, 1.25, '123.450', 'héllo ✓ 日本語 🎉', Buffer.from([0, 255, 171]), 'text', '2024-02-29', '2024-03-10 02:30:00.123', '2024-07-01T12:00:00Z', '13:45:30', 1);
  insert.run(2, -9007199254740991n, -0.5, 7, '', Buffer.alloc(0), 42, 'not a date', '2024-03-10T02:30:00+02:00', 1719835200, '25:00', 0);
  insert.run(3, null, null, null, null, null, null, null, null, null, null, 2);
  const many = db.prepare('INSERT INTO "2024" VALUES (?)');
  db.transaction(() => {
    for (let i = 2; i <= 4500; i++) many.run(i);
  })();
  db.close();
  source = await openSource(`sqlite:${path}`);
});

after(async () => {
  await source.close();
  cleanup();
});

test('declared types and storage classes map to cells', async () => {
  const { rows, cursor } = await collect(source, { sql: 'SELECT * FROM things ORDER BY id', timeZone: 'Europe/Berlin' });
  assert.deepEqual(plain(rows[0] ?? []), [
    1, '9007199254740993', 1.25, 123.45, 'héllo ✓ 日本語 🎉', '00ffab', 'text',
    { ms: utc('2024-02-29T00:00:00') }, { ms: utc('2024-03-10T02:30:00.123') }, { ms: utc('2024-07-01T14:00:00') }, { ms: timeOfDay('13:45:30') }, true,
  ]);
  // Values that do not fit the declared type keep their own storage class.
  assert.deepEqual(plain(rows[1] ?? []), [2, -9007199254740991, -0.5, 7, null, null, 42, 'not a date', { ms: utc('2024-03-10T01:30:00') }, 1719835200, '25:00', false]);
  assert.deepEqual(rows[2], [3, null, null, null, null, null, null, null, null, null, null, 2]);
  assert.deepEqual(
    cursor.columns.map(describeColumn),
    ['id:integer:integer/20', 'big:integer:integer/20', 'price:number', 'amount:decimal', 'name:text', 'data:unknown', 'anything:unknown',
      'day:date:date', 'happened:datetime:datetime', 'stamp:datetime:datetime', 'at:time:time', 'ok:boolean'],
  );
  // describe prepares the statement and reports the same columns: kinds come from declared types, never from values.
  assert.deepEqual(await describeOf(source)({ sql: 'SELECT * FROM things ORDER BY id' }), cursor.columns);
  // Expressions have no declared type: `unknown` in describe as on the cursor. abs() of the smallest integer fails only when run.
  const expression = { sql: 'SELECT abs(-9223372036854775808) AS boom, name || :suffix AS label, id FROM things', params: { suffix: '!' } };
  assert.deepEqual((await describeOf(source)(expression)).map(describeColumn), ['boom:unknown', 'label:unknown', 'id:integer:integer/20']);
  await assert.rejects(collect(source, expression), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY') && /integer overflow/.test(error.message));
  const snapshot = await source.snapshot?.();
  assert.ok(snapshot);
  try {
    assert.deepEqual(await describeOf(snapshot)({ sql: 'SELECT * FROM things ORDER BY id' }), cursor.columns);
    assert.equal((await collect(snapshot, { sql: 'SELECT * FROM things' })).rows.length, 3);
  } finally {
    await snapshot.close();
  }
  await assert.rejects(describeOf(source)({ sql: 'SELECT nope FROM things' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY') && /no such column: nope/.test(error.message));
});

test('a declared precision gives the format and width: DECIMAL(p,s), NUMERIC(p), DATETIME(n), TIME(n)', async () => {
  const file = join(dir, 'precision.db');
  const db = new Database(file);
  db.exec('CREATE TABLE p (amount DECIMAL(12,2), whole NUMERIC(7), stamp DATETIME(3), at TIME(6), plain DATETIME)');
  db.close();
  const typed = await openSource(`sqlite:${file}`);
  try {
    const { cursor } = await collect(typed, { sql: 'SELECT * FROM p' });
    assert.deepEqual(cursor.columns.map(describeColumn), [
      'amount:decimal:#,##0.00/17',
      'whole:decimal:#,##0/10',
      'stamp:datetime:datetime.3',
      'at:time:time.3',
      'plain:datetime:datetime',
    ]);
  } finally {
    await typed.close();
  }
});

test('expressions without a declared type map by storage class; infinity is refused with row and column', async () => {
  const { rows } = await collect(source, { sql: "SELECT 1 + 1, 'x' || 'y', 0.5, x'ff', NULL, 9223372036854775807, :p AS p", params: { p: true } });
  assert.deepEqual(rows, [[2, 'xy', 0.5, 'ff', null, '9223372036854775807', 1]]);
  const cursor = await source.query({ sql: 'SELECT id, CASE WHEN id = 2 THEN 1e999 END AS huge FROM things ORDER BY id' });
  await assert.rejects(
    (async () => {
      for await (const batch of cursor.batches()) void batch;
    })(),
    (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FINITE') && /row 2, column "huge": the database returned Infinity/.test(error.message),
  );
});

test('--table: header names stay as written, the row count is known, rows come in batches', async () => {
  const { rows, cursor, batches } = await collect(source, { sql: tableQuery('sqlite', '2024') });
  assert.deepEqual(cursor.columns.map(describeColumn), ['1:integer:integer/20']); // INTEGER is 64-bit
  assert.equal(cursor.estimatedRows, 4500);
  assert.equal(rows.length, 4500);
  assert.equal(batches, Math.ceil(4500 / BATCH_ROWS));
  assert.ok(rows.every((row, i) => row[0] === i + 1));
  const adHoc = await source.query({ sql: 'SELECT * FROM "2024" WHERE "1" < 3' });
  assert.equal(adHoc.estimatedRows, undefined);
  await adHoc.close();
});

test('read-only: writes are refused and the file is unchanged', async () => {
  const before = statSync(path).mtimeMs;
  for (const sql of ['INSERT INTO things (id) VALUES (9)', 'DELETE FROM things', 'CREATE TABLE x (a)', 'SELECT 1; DELETE FROM things']) {
    await assert.rejects(source.query({ sql }), (error: unknown) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY'), `${sql}: ${String(error)}`);
      assert.match(error.message, /is not a read query|more than one statement/);
      return true;
    });
  }
  assert.equal(statSync(path).mtimeMs, before);
  assert.deepEqual((await collect(source, { sql: 'SELECT count(*) FROM things' })).rows, [[3]]);
});

test('abort between batches rejects with SHEETPIPE_ERR_PIPELINE_CANCELED; close is idempotent', async () => {
  const controller = new AbortController();
  const cursor = await source.query({ sql: 'SELECT * FROM "2024"', signal: controller.signal });
  const iterator = cursor.batches()[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.length, BATCH_ROWS);
  const reason = new Error('interrupted');
  controller.abort(reason);
  await assert.rejects(iterator.next(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED') && error.cause === reason);
  await cursor.close();
  await cursor.close();
  assert.deepEqual((await collect(source, { sql: 'SELECT 5' })).rows, [[5]]);
});

test('concurrent queries each get their own handle', async () => {
  const a = await source.query({ sql: 'SELECT "1" FROM "2024"' });
  const b = await source.query({ sql: 'SELECT "1" FROM "2024"' });
  const [ra, rb] = [a.batches()[Symbol.asyncIterator](), b.batches()[Symbol.asyncIterator]()];
  assert.equal((await ra.next()).value?.[0]?.[0], 1);
  assert.equal((await rb.next()).value?.[0]?.[0], 1);
  await a.close();
  await b.close();
});

test('a missing file is SHEETPIPE_ERR_SOURCE_NOT_FOUND and is never created; a non-database is a connect error', async () => {
  const missing = join(dir, 'nope', 'missing.db');
  await assert.rejects(openSource(`sqlite:${missing}`), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FOUND') && error.message.includes(missing));
  await assert.rejects(openSource(`sqlite://${join(dir, 'missing.db')}`), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FOUND'));
  assert.equal(existsSync(missing), false);
  assert.equal(existsSync(join(dir, 'missing.db')), false);
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'this is not a database, just text that is long enough to have a header'.repeat(20));
  await assert.rejects(openSource(`sqlite:${junk}`), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CONNECT') && /not a database/.test(error.message));
});

test('bad SQL is SHEETPIPE_ERR_SOURCE_QUERY with SQLite\'s message', async () => {
  await assert.rejects(source.query({ sql: 'SELECT * FROM nope' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY') && /no such table: nope/.test(error.message));
  await assert.rejects(source.query({ sql: 'SELECT * FROM WHERE' }), /syntax error/);
  await assert.rejects(source.query({ sql: 'SELEC 1' }), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY')); // refused before SQLite sees it
});

test('memory stays flat while streaming ~60 MB of rows with a signal attached', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, 'needs node --expose-gc (scripts/run-tests.mjs passes it)');
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = 0;
  let rows = 0;
  const cursor = await source.query({
    sql: "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300000) select i, printf('%0200d', i) from n",
    signal: new AbortController().signal,
  });
  for await (const batch of cursor.batches()) {
    rows += batch.length;
    if (rows % 50_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    }
  }
  assert.equal(rows, 300_000);
  assert.ok(peak < 16e6, `held ${(peak / 1e6).toFixed(1)} MB`);
});
