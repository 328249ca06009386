import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from '../pipeline/fixtures.js';
import { runCli } from './run-cli.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';

test('export from PostgreSQL: a table to CSV with --tz, a bad query and a refused connection exit 1', async (t) => {
  const dir = tempDir(t);
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  const table = `cli_orders_${randomBytes(4).toString('hex')}`;
  t.after(async () => {
    await client.query(`drop table if exists ${table}`);
    await client.end();
  });
  await client.query(`create table ${table} (id int, placed timestamptz, note text)`);
  await client.query(`insert into ${table} values (1, '2024-07-01 10:00:00+00', 'a, b'), (2, '2024-12-24 23:30:00+00', null)`);

  const out = join(dir, 'orders.csv');
  const ok = await runCli(['export', '--source', URL, '--query', `select * from ${table} where id >= :min order by id`, '--param', 'min=1', '--tz', 'Europe/Berlin', '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  // Berlin is UTC+2 in July and UTC+1 in December: the wall clock of the display zone, no offset.
  assert.equal(readFileSync(out, 'utf8'), 'id,placed,note\r\n1,2024-07-01 12:00:00,"a, b"\r\n2,2024-12-25 00:30:00,\r\n');

  const bad = await runCli(['export', '--source', URL, '--query', `select nope from ${table}`, '--out', join(dir, 'bad.xlsx')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^sheetpipe: the database rejected the query: column "nope" does not exist/);

  const refused = await runCli(['export', '--source', 'postgres://postgres@127.0.0.1:1/test', '--table', table, '--out', join(dir, 'no.xlsx')]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^sheetpipe: cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/test/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  assert.deepEqual(readdirSync(dir), ['orders.csv']);
});
