import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mysql2 from 'mysql2';
import type { FieldPacket } from 'mysql2';
import type mysql from 'mysql2/promise';
import { isSheetpipeError } from '../../src/errors.js';
import { mapBatch } from '../../src/sources/convert.js';
import { instantMapper } from '../../src/sources/datetime.js';
import { openSource } from '../../src/sources/index.js';
import { mysqlOptions } from '../../src/sources/mysql.js';
import { mysqlColumn } from '../../src/sources/mysql-types.js';
import { requestStatement } from '../../src/sources/statement.js';
import type { QueryCursor, QueryRequest, Source } from '../../src/sources/types.js';
import type { EncodedRows } from '../../src/xlsx/encoded-rows.js';
import { packEncoded, rowDecoder } from '../../src/xlsx/row-encodings.js';
import { packRows, RowPacker } from '../../src/xlsx/row-packer.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { collect, eventually, mysqlAdmin, MYSQL_URL, plain, uniqueName } from './helpers.js';

let admin: mysql.Connection;
let source: Source;
const table = uniqueName('mysqlraw_edges');

before(async () => {
  admin = await mysqlAdmin();
  // Zero dates and zero parts need a permissive SQL mode to be stored at all.
  await admin.query("SET SESSION sql_mode = ''");
  await admin.query(`CREATE TABLE ${table} (
    id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, b BOOLEAN, s SMALLINT, su SMALLINT UNSIGNED, m MEDIUMINT, mu MEDIUMINT UNSIGNED,
    i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, y YEAR, f FLOAT, d DOUBLE, dc DECIMAL(65,30), dz DECIMAL(10,0), du DECIMAL(5,2) UNSIGNED,
    dt DATE, dtm DATETIME, dt3 DATETIME(3), dt6 DATETIME(6), ts TIMESTAMP(6) NULL, t TIME, t6 TIME(6),
    bit1 BIT(1), bit64 BIT(64), j JSON, g GEOMETRY NULL, v VARCHAR(100), c CHAR(5), tx TEXT, lat VARCHAR(20) CHARACTER SET latin1,
    bl BLOB, vb VARBINARY(20), e ENUM('a','bé'), st SET('x','y'), u UUID, ip INET6
  ) DEFAULT CHARSET utf8mb4`);
  await admin.query(`INSERT INTO ${table} VALUES
    (1, -128, 255, 1, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 1901,
     3.4028235e38, 1.7976931348623157e308, -99999999999999999999999999999999999.999999999999999999999999999999, 9999999999, 999.99,
     '0000-00-00', '0000-00-00 00:00:00', '2024-00-10 01:02:03.5', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01.000001', '-838:59:59', '838:59:59.999999',
     b'1', b'1111111111111111111111111111111111111111111111111111111111111111', '{"a": [1, 2.50, "x"], "b": null}', ST_GeomFromText('POINT(1 2)'),
     ' lead', 'ab', 'héllo ✓ 日本語 🎉', 'Ünïcödé', x'00', x'', 'bé', 'x,y', '123e4567-e89b-12d3-a456-426614174000', '::1'),
    (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9007199254740993, 9007199254740992, 2155,
     1.1, -0.1, -0.000000000000000000000000000001, -1, 0,
     '0001-01-01', '2024-02-29 00:00:00', '2024-02-29 12:00:00.100', '2024-02-29 12:00:00.000100', '2038-01-19 03:14:07.999999', '-00:00:01', '-12:30:00.500000',
     b'0', b'0', '"text"', ST_GeomFromText('LINESTRING(0 0, 1 1)'),
     '<&>_x0041_', '', 'tab\there\nnewline', '', x'ffee', x'00ff', 'a', '', NULL, '192.168.0.1'),
    (3, 1, 1, 0, 1, 1, 1, 1, 1, 1, -9007199254740991, 9007199254740991, 0,
     1e-38, 5e-324, 0.1, 0, 0.5,
     '2024-02-29', '1000-01-01 00:00:00', '2024-06-30 23:59:59.999', '2024-06-30 23:59:59.000000', '2024-03-31 01:30:00', '24:00:00', '100:00:00.000001',
     NULL, b'101', '12345678901234567890', NULL,
     'trailing ', 'abcde', '', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
  source = await openSource(MYSQL_URL);
});

after(async () => {
  await source.close();
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
});

/** The cells of the mysql2 data path this encoding replaced: mysql2's execute() with sheetpipe's options, then the converters. */
async function mysql2Cells(sql: string, values: unknown[], timeZone: string): Promise<CellValue[][]> {
  const connection = mysql2.createConnection(mysqlOptions(MYSQL_URL));
  try {
    const query = (text: string): Promise<void> => new Promise((resolve, reject) => connection.query(text, (error) => (error ? reject(error) : resolve())));
    await query("SET time_zone = '+00:00'");
    const [rows, fields] = await new Promise<[unknown[][], FieldPacket[]]>((resolve, reject) =>
      connection.execute({ sql, values: values as never, rowsAsArray: true }, (error, result, columns) => (error ? reject(error) : resolve([result as unknown as unknown[][], columns]))),
    );
    const mapInstant = instantMapper(timeZone);
    return mapBatch(rows, fields.map((field) => mysqlColumn(field, mapInstant).converter), fields.map((field) => field.name), 1);
  } finally {
    connection.end();
  }
}

async function encodedOf(request: QueryRequest): Promise<EncodedRows[]> {
  const cursor = (await source.query(request)) as QueryCursor & { encodedBatches(): AsyncIterable<EncodedRows> };
  const batches: EncodedRows[] = [];
  for await (const batch of cursor.encodedBatches()) batches.push(batch);
  return batches;
}

/** decode, pack (the render workers' fast path) and the main thread's batches() all give the mysql2 path's cells. */
async function assertSameAsMysql2(sql: string, params: Record<string, unknown> = {}): Promise<CellValue[][]> {
  // The statement and values the source binds (sheetpipe's parameter rules, sql-params.ts), executed by mysql2.
  const bound = requestStatement({ sql, params }, 'mysql');
  for (const timeZone of ['UTC', 'America/New_York']) {
    const expected = await mysql2Cells(bound.sql, bound.values, timeZone);
    const request = { sql, params, timeZone };
    assert.deepEqual(plain((await collect(source, request)).rows.flat()), plain(expected.flat()), `batches() ${sql} in ${timeZone}`);
    const batches = await encodedOf(request);
    assert.equal(batches.reduce((n, batch) => n + batch.rows, 0), expected.length);
    const decoded: CellValue[][] = [];
    for (const batch of batches) {
      const decoder = rowDecoder(batch.encoding, structuredClone(batch.spec)); // as a render worker gets it
      for (let r = 0; r < batch.rows; r++) decoded.push(decoder.decode(batch.bytes, batch.offsets[r] as number, batch.offsets[r + 1] as number, batch.firstRow + r));
    }
    assert.deepEqual(plain(decoded.flat()), plain(expected.flat()), `decode ${sql} in ${timeZone}`);
    let row = 0;
    for (const batch of batches) {
      const packed = packEncoded(batch, new RowPacker());
      const reference = packRows(expected.slice(row, row + batch.rows));
      row += batch.rows;
      assert.deepEqual(Buffer.from(packed.bytes), Buffer.from(reference.bytes), `pack ${sql} in ${timeZone}`);
      assert.deepEqual(packed.others, reference.others);
    }
  }
  return mysql2Cells(bound.sql, bound.values, 'UTC');
}

test('every binary value decodes to the cells of the mysql2 path (edges, zero dates, NULLs, two display zones)', async () => {
  const cells = await assertSameAsMysql2(`SELECT * FROM ${table} ORDER BY id`);
  // A few of them spelled out, so the equality above is not two identical mistakes.
  assert.deepEqual(plain(cells[0]?.slice(0, 13) ?? []), [1, -128, 255, true, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, '-9223372036854775808', '18446744073709551615', 1901]);
  assert.deepEqual(plain(cells[0]?.slice(18, 20) ?? []), ['0000-00-00', '0000-00-00 00:00:00']);
  assert.equal(cells[0]?.[23], '-838:59:59');
  assert.deepEqual(plain(cells[1]?.slice(10, 13) ?? []), ['9007199254740993', '9007199254740992', 2155]);
  assert.equal(cells[1]?.[13], 1.1);
  assert.ok(cells[3]?.slice(1).every((cell) => cell === null));
});

test('the binary values equal the server\'s own text for them (CAST AS CHAR), where the cell is that text', async () => {
  const [rows] = await admin.query(`SELECT CAST(bi AS CHAR), CAST(bu AS CHAR), CAST(dc AS CHAR), CAST(t AS CHAR), CAST(v AS CHAR), CAST(dt AS CHAR) FROM ${table} WHERE id = 1`);
  const text = Object.values((rows as Record<string, string>[])[0] ?? {});
  const cells = (await collect(source, { sql: `SELECT bi, bu, dc, t, v, dt FROM ${table} WHERE id = 1` })).rows[0] ?? [];
  assert.deepEqual(cells, text);
});

test('expressions: NULL type, computed decimals, dates and times, JSON functions, a bare parameter', async () => {
  await assertSameAsMysql2(
    `SELECT NULL AS n, 1 + 1 AS two, 10 / 4 AS q, CAST('2024-01-02' AS DATE) AS d, TIMESTAMP('2024-01-02 03:04:05.678') AS ts, CAST('2024-01-02 03:04:05.678' AS DATETIME(2)) AS d2, CAST('1999-12-31 23:59:59.96' AS DATETIME(1)) AS d1, SEC_TO_TIME(-3661.25) AS tm,
      JSON_OBJECT('k', 1) AS jo, CONCAT('a', :p) AS s, :p AS bare, REPEAT('é', 300) AS wide, seq FROM seq_1_to_3`,
    { p: 'x' },
  );
});

test('parameters are bound as the mysql2 path bound them: strings, numbers, bigints, booleans, dates, buffers, null', async () => {
  const params = { a: "it's", b: 42, c: -1.5, d: 9007199254740993n, e: true, f: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 250)), g: Buffer.from([0, 255]), h: null };
  const sql = 'SELECT :a AS a, :b AS b, :c AS c, :d AS d, :e AS e, :f AS f, HEX(:g) AS g, :h AS h, :b + 1 AS b1';
  const cells = await assertSameAsMysql2(sql, params);
  assert.deepEqual(plain(cells[0] ?? []).slice(0, 3), ["it's", 42, -1.5]);
});

test('rows wider than one packet (16 MiB) arrive whole', async () => {
  // Two 9 MB values: each within the default max_allowed_packet (16 MiB), the row past one packet's payload.
  const { rows: cells } = await collect(source, { sql: "SELECT REPEAT('a', 9000000) AS a, REPEAT('b', 9000000) AS b, 'after' AS tail, 7 AS n" });
  assert.equal(cells.length, 1);
  assert.equal(cells[0]?.[0], 'a'.repeat(9_000_000));
  assert.equal(cells[0]?.[1], 'b'.repeat(9_000_000));
  assert.deepEqual(cells[0]?.slice(2), ['after', 7]);
});

test('a snapshot runs several statements (and the same one twice) on one connection', async () => {
  const snapshot = await source.snapshot?.();
  assert.ok(snapshot);
  try {
    const sql = `SELECT id, v FROM ${table} WHERE id <= :n ORDER BY id`;
    const first = await collect(snapshot, { sql, params: { n: 2 } });
    const connection = await collect(snapshot, { sql: 'SELECT CONNECTION_ID() AS c' });
    const second = await collect(snapshot, { sql, params: { n: 3 } });
    const again = await collect(snapshot, { sql: 'SELECT CONNECTION_ID() AS c' });
    assert.deepEqual(first.rows, [[1, ' lead'], [2, '<&>_x0041_']]);
    assert.equal(second.rows.length, 3);
    assert.deepEqual(again.rows, connection.rows);
    await assert.rejects(collect(snapshot, { sql: `SELECT nope FROM ${table}` }), /Unknown column 'nope'/);
    // A query closed early ends the snapshot's connection; until then the snapshot served every query.
  } finally {
    await snapshot.close();
  }
});

test('backpressure: a large result read slowly is not buffered client-side', async () => {
  const cursor = (await source.query({ sql: "SELECT seq, REPEAT('x', 1000) AS pad FROM seq_1_to_150000" })) as QueryCursor & { encodedBatches(): AsyncIterable<EncodedRows> };
  global.gc?.();
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let rows = 0;
  let batches = 0;
  for await (const batch of cursor.encodedBatches()) {
    rows += batch.rows;
    batches++;
    await new Promise((resolve) => setTimeout(resolve, 15)); // a slow writer: the server could send all ~150 MB meanwhile
    // What is still referenced, not batches already read that the collector has yet to free (its timing varies).
    global.gc?.();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }
  assert.equal(rows, 150_000);
  // At most QUEUE_BATCHES batches of ~1 MiB wait, plus socket buffers; unbounded buffering would hold ~150 MB.
  assert.ok(peak < 40 * 1024 * 1024, `peak ${(peak / 1048576).toFixed(1)} MiB of buffers`);
});

test('abort mid-stream of encoded batches kills the statement on the server; the source keeps working', async () => {
  const marker = uniqueName('mysqlraw_abort');
  const controller = new AbortController();
  const cursor = (await source.query({ sql: 'select seq, if(seq = 30000, sleep(30), 0) as s from seq_1_to_100000', signal: controller.signal, comment: `color='${marker}'` })) as QueryCursor & {
    encodedBatches(): AsyncIterable<EncodedRows>;
  };
  const iterator = cursor.encodedBatches()[Symbol.asyncIterator]();
  assert.ok(((await iterator.next()).value as EncodedRows).rows > 0);
  const running = async (): Promise<number> => {
    const [rows] = await admin.query('select count(*) as n from information_schema.processlist where INFO like ? and ID <> connection_id()', [`%${marker}%`]);
    return Number((rows as { n: number }[])[0]?.n);
  };
  assert.ok(await eventually(async () => (await running()) === 1), 'the statement never showed in the processlist');
  const started = Date.now();
  controller.abort('deadline');
  await assert.rejects(iterator.next(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
  await cursor.close();
  assert.ok(Date.now() - started < 5000);
  assert.ok(await eventually(async () => (await running()) === 0, 3000), 'the statement still runs on the server');
  assert.deepEqual((await collect(source, { sql: 'select 1 as one' })).rows, [[1]]);
});
