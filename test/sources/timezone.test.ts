// The same date/time cases as the per-source tests, with the process in New York: nothing a
// source returns may depend on the machine's zone. (Node re-reads TZ when it is assigned.)
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSource } from '../../src/sources/index.js';
import { collect, MYSQL_URL, PG_URL, plain, tempDir, timeOfDay, utc } from './helpers.js';

test('the process really runs in New York', () => {
  assert.equal(new Date(2024, 0, 1).getTimezoneOffset(), 300);
});

test('postgres date/time/timestamp/timestamptz and Date parameters ignore the process zone', async () => {
  const source = await openSource(PG_URL);
  try {
    const { rows } = await collect(source, {
      sql: `select '2024-03-10'::date, '02:30:00'::time, '2024-03-10 02:30:00'::timestamp, '2024-03-10 07:30:00+00'::timestamptz,
        :at::timestamp, :at::timestamptz = '2024-11-03 01:30:00+00'::timestamptz`,
      params: { at: new Date(utc('2024-11-03T01:30:00')) },
    });
    // 2024-03-10 02:30 does not exist in New York (spring forward): as stored, it must survive.
    assert.deepEqual(plain(rows[0] ?? []), [
      { ms: utc('2024-03-10T00:00:00') }, { ms: timeOfDay('02:30:00') }, { ms: utc('2024-03-10T02:30:00') }, { ms: utc('2024-03-10T07:30:00') },
      { ms: utc('2024-11-03T01:30:00') }, true,
    ]);
  } finally {
    await source.close();
  }
});

test('mariadb DATE/TIME/DATETIME/TIMESTAMP and Date parameters ignore the process zone', async () => {
  const source = await openSource(MYSQL_URL);
  try {
    const { rows } = await collect(source, {
      sql: `select cast('2024-03-10' as date), cast('02:30:00' as time), cast('2024-03-10 02:30:00' as datetime),
        from_unixtime(1710055800), cast(:at as datetime(3))`,
      params: { at: new Date(utc('2024-11-03T01:30:00.250')) },
    });
    assert.deepEqual(plain(rows[0] ?? []), [
      { ms: utc('2024-03-10T00:00:00') }, { ms: timeOfDay('02:30:00') }, { ms: utc('2024-03-10T02:30:00') },
      // from_unixtime yields a DATETIME in the session zone, which sheetpipe fixes to UTC.
      { ms: 1710055800000 }, { ms: utc('2024-11-03T01:30:00.250') },
    ]);
  } finally {
    await source.close();
  }
});

test('sqlite and csv ISO text ignore the process zone', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const dbPath = join(dir, 'tz.db');
    const db = new Database(dbPath);
    db.exec("CREATE TABLE t (d DATE, ts DATETIME, z TIMESTAMP); INSERT INTO t VALUES ('2024-03-10', '2024-03-10 02:30:00', '2024-03-10T07:30:00Z')");
    db.close();
    const sqlite = await openSource(`sqlite:${dbPath}`);
    const fromSqlite = await collect(sqlite, { sql: 'SELECT * FROM t' });
    await sqlite.close();
    const csvPath = join(dir, 'tz.csv');
    writeFileSync(csvPath, 'd,ts,z\n2024-03-10,2024-03-10 02:30:00,2024-03-10T07:30:00Z\n');
    const csv = await openSource(`csv:${csvPath}?types=d:date,ts:datetime,z:datetime`);
    const fromCsv = await collect(csv, { sql: '' });
    await csv.close();
    const expected = [{ ms: utc('2024-03-10T00:00:00') }, { ms: utc('2024-03-10T02:30:00') }, { ms: utc('2024-03-10T07:30:00') }];
    assert.deepEqual(plain(fromSqlite.rows[0] ?? []), expected);
    assert.deepEqual(plain(fromCsv.rows[0] ?? []), expected);
  } finally {
    cleanup();
  }
});
