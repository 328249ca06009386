/**
 * `sheetpipe check --config FILE` as a user runs it, against real PostgreSQL and MariaDB: a superuser
 * and an account with FILE are warned about (exit 1); a SELECT-only role and user made here pass
 * (exit 0); an unreachable source is reported and fails the check. Plus the SHOW GRANTS parsing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { grantWarnings } from '../../src/sources/role-audit-mysql.js';
import { PG_URL, withPg } from '../service/helpers/data.js';
import { runCli } from './run-cli.js';

const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' };
const id = randomBytes(4).toString('hex');
const role = `guard_check_${id}`;
const table = `guard_check_${id}`;
const fileUser = `guard_file_${id}`;
let dir: string;

async function withMysql<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(MYSQL);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sheetpipe-check-'));
  await withPg(async (client) => {
    await client.query(`create table ${table} (id int)`);
    await client.query(`create role ${role} login`);
    await client.query(`grant select on ${table} to ${role}`);
  });
  await withMysql(async (connection) => {
    await connection.query(`create table ${table} (id int)`);
    await connection.query(`create user '${role}'@'%'`);
    await connection.query(`grant select on test.${table} to '${role}'@'%'`);
    await connection.query(`create user '${fileUser}'@'%'`);
    await connection.query(`grant select, insert on test.${table} to '${fileUser}'@'%'`);
    await connection.query(`grant file on *.* to '${fileUser}'@'%'`);
  });
});

after(async () => {
  await withPg(async (client) => {
    await client.query(`drop table if exists ${table}`);
    await client.query(`drop owned by ${role}`).catch(() => undefined);
    await client.query(`drop role if exists ${role}`);
  });
  await withMysql(async (connection) => {
    await connection.query(`drop table if exists ${table}`);
    await connection.query(`drop user if exists '${role}'@'%', '${fileUser}'@'%'`);
  });
  await rm(dir, { recursive: true, force: true });
});

async function check(sources: Record<string, { url: string }>): Promise<{ code: number | null; out: string }> {
  const file = join(dir, `config-${randomBytes(3).toString('hex')}.json`);
  await writeFile(file, JSON.stringify({ sources }));
  const result = await runCli(['check', '--config', file]);
  return { code: result.code, out: result.stdout.toString() + result.stderr };
}

test('a PostgreSQL superuser source is warned about: exit 1', async () => {
  const { code, out } = await check({ pg: { url: PG_URL } });
  assert.equal(code, 1, out);
  assert.match(out, /^pg: PostgreSQL \d+/m);
  assert.match(out, /as postgres\n/);
  assert.match(out, /warning: role postgres is a superuser: it can read and write server files, run programs/);
  assert.match(out, /check found 1 problem\n/);
});

test('SELECT-only PostgreSQL role and MariaDB user pass: exit 0', async () => {
  const { code, out } = await check({
    reader: { url: `postgres://${role}@127.0.0.1:5432/test` },
    mreader: { url: `mariadb://${role}@127.0.0.1:3306/test` },
  });
  assert.equal(code, 0, out);
  assert.match(out, new RegExp(`^reader: PostgreSQL .* as ${role}\\n  ok: the account can only read$`, 'm'));
  assert.match(out, new RegExp(`^mreader: .*MariaDB.* as ${role}@%\\n  ok: the account can only read$`, 'm'));
  assert.match(out, /check passed\n$/);
});

test('a PostgreSQL role that may write a table, a MariaDB user with FILE, and an unreachable source: exit 1', async () => {
  await withPg((client) => client.query(`grant insert on ${table} to ${role}`));
  try {
    const { code, out } = await check({
      writer: { url: `postgres://${role}@127.0.0.1:5432/test` },
      file: { url: `mysql://${fileUser}@127.0.0.1:3306/test` },
      gone: { url: 'postgres://nobody@127.0.0.1:1/test' },
    });
    assert.equal(code, 1, out);
    assert.match(out, new RegExp(`warning: role ${role} may INSERT, UPDATE, DELETE or TRUNCATE public\\.${table}\\n`));
    assert.match(out, /warning: the account has FILE: it can read and write server files/);
    assert.match(out, new RegExp(`warning: the account has INSERT on \`test\`\\.\`${table}\``));
    assert.match(out, /^gone: cannot connect: /m);
    assert.match(out, /check found 4 problems\n/);
  } finally {
    await withPg((client) => client.query(`revoke insert on ${table} from ${role}`));
  }
});

test('check without --config is a usage error: exit 2', async () => {
  const result = await runCli(['check']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /check needs --config <FILE>/);
});

test('SHOW GRANTS lines: only SELECT, SHOW VIEW and USAGE are clean', () => {
  assert.deepEqual(grantWarnings('GRANT USAGE ON *.* TO `r`@`%`'), []);
  assert.deepEqual(grantWarnings('GRANT SELECT, SHOW VIEW ON `shop`.* TO `r`@`%`'), []);
  assert.deepEqual(grantWarnings('GRANT SELECT (`a`, `b`) ON `shop`.`t` TO `r`@`%`'), []);
  assert.deepEqual(grantWarnings('GRANT SELECT, INSERT (`a`, `b`), DELETE ON `shop`.`t` TO `r`@`%`'), ['the account has INSERT, DELETE on `shop`.`t`']);
  assert.deepEqual(grantWarnings('GRANT FILE ON *.* TO `r`@`%`'), ['the account has FILE: it can read and write server files (LOAD_FILE, SELECT … INTO OUTFILE)']);
  assert.equal(grantWarnings('GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION').length, 3);
  assert.deepEqual(grantWarnings('GRANT ALL PRIVILEGES ON `shop`.* TO `r`@`%`'), ['the account has ALL PRIVILEGES on `shop`.*']);
  assert.match(grantWarnings('GRANT `writer` TO `r`@`%`')[0] ?? '', /holds a role/);
});
