import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError, type ErrorCode } from '../../src/errors.js';
import { isSource, openSource } from '../../src/sources/index.js';
import { MYSQL_URL, PG_URL } from './helpers.js';

/** Asserts the promise rejects with `code`, a message matching `pattern`, and a cause when `withCause`. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp, withCause = true): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isSheetpipeError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    if (withCause) assert.ok(error.cause !== undefined, 'no cause');
    return true;
  });
}

test('an unknown scheme is SHEETPIPE_ERR_SOURCE_SCHEME, a usage error (exit 2), and hides the password', async () => {
  await assert.rejects(openSource('oracle://scott:tiger@db/orcl'), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_SCHEME'));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /unknown source scheme in "oracle:\/\/scott:\*\*\*@db\/orcl"/);
    assert.doesNotMatch(error.message, /tiger/);
    return true;
  });
  await rejectsWith(openSource('/tmp/plain/path.db'), 'SHEETPIPE_ERR_SOURCE_SCHEME', /unknown source scheme/, false);
});

test('postgres: connection refused, authentication failed, unknown database', async () => {
  await rejectsWith(openSource('postgres://postgres:secret@127.0.0.1:1/test'), 'SHEETPIPE_ERR_SOURCE_CONNECT', /cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: connection refused/);
  await rejectsWith(openSource('postgresql://no_such_role_sheetpipe@127.0.0.1:5432/test'), 'SHEETPIPE_ERR_SOURCE_AUTH', /authentication failed for .*: role "no_such_role_sheetpipe" does not exist/);
  await rejectsWith(openSource('postgres://postgres@127.0.0.1:5432/no_such_db_sheetpipe'), 'SHEETPIPE_ERR_SOURCE_CONNECT', /database "no_such_db_sheetpipe" does not exist/);
});

test('mariadb: connection refused, authentication failed, unknown database', async () => {
  await rejectsWith(openSource('mysql://root@127.0.0.1:1/test'), 'SHEETPIPE_ERR_SOURCE_CONNECT', /cannot connect to mysql:\/\/root@127\.0\.0\.1:1\/test: connection refused/);
  await rejectsWith(openSource('mariadb://root:wrong-password@127.0.0.1:3306/test'), 'SHEETPIPE_ERR_SOURCE_AUTH', /authentication failed for mariadb:\/\/root:\*\*\*@127\.0\.0\.1:3306\/test: Access denied/);
  await rejectsWith(openSource('mysql://root@127.0.0.1:3306/no_such_db_sheetpipe'), 'SHEETPIPE_ERR_SOURCE_CONNECT', /Unknown database 'no_such_db_sheetpipe'/);
});

test('a missing parameter and an unknown display zone are named before anything runs', async () => {
  for (const url of [PG_URL, MYSQL_URL]) {
    const source = await openSource(url);
    assert.ok(isSource(source));
    try {
      await rejectsWith(source.query({ sql: 'select :wanted', params: { other: 1 } }), 'SHEETPIPE_ERR_SOURCE_PARAM', /query parameter :wanted: the query uses it but no value was given/, false);
      await rejectsWith(source.query({ sql: 'select 1', timeZone: 'Mars/Olympus' }), 'SHEETPIPE_ERR_SOURCE_TIME_ZONE', /unknown time zone "Mars\/Olympus"/);
    } finally {
      await source.close();
    }
  }
  assert.equal(isSource({ kind: 'x' }), false);
});
