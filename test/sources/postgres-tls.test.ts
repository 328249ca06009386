/**
 * The PostgreSQL data path over TLS. pg-wire.ts reads the statement's answer from the socket `pg` connected, which
 * after the SSLRequest handshake is a TLS socket: messages then span TLS records as well as reads. The server's
 * certificate is the self-signed one scripts/start-services.sh installs, trusted here as the root (verify-full).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { isSheetpipeError } from '../../src/errors.js';
import { runExport } from '../../src/pipeline/index.js';
import { openSource } from '../../src/sources/index.js';
import { collect, eventually, pgAdmin, PG_URL, tempDir, uniqueName } from './helpers.js';

const CERT = '/var/lib/postgresql/sheetpipe-tls/server.crt';
const TLS_URL = `${PG_URL}?sslmode=verify-full&sslrootcert=${CERT}`;
/** The statement's own connection reports whether it is encrypted. */
const ROWS_SQL = `select g as id, repeat('é', g % 300) || g as label, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as tls
  from generate_series(1, :rows) g order by g`;

test('rows stream over TLS: every row, in order, on an encrypted connection', async () => {
  const source = await openSource(TLS_URL);
  try {
    const { rows } = await collect(source, { sql: ROWS_SQL, params: { rows: 50_000 } });
    assert.equal(rows.length, 50_000);
    rows.forEach((row, i) => {
      if (row[0] !== i + 1 || row[1] !== 'é'.repeat((i + 1) % 300) + String(i + 1) || row[2] !== true) {
        assert.fail(`row ${i + 1}: ${JSON.stringify(row)}`);
      }
    });
  } finally {
    await source.close();
  }
});

test('an export over TLS decodes in the render workers like any other', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const out = join(dir, 'tls.xlsx');
  const result = await runExport({ source: TLS_URL, query: ROWS_SQL, params: { rows: 30_000 }, out, threads: 2 });
  assert.equal(result.rows, 30_000);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(out);
  const sheet = book.worksheets[0];
  assert.ok(sheet);
  assert.equal(sheet.rowCount, 30_001);
  for (const n of [1, 299, 300, 17_777, 30_000]) {
    assert.deepEqual((sheet.getRow(n + 1).values as unknown[]).slice(1), [n, 'é'.repeat(n % 300) + String(n), true]);
  }
});

test('abort mid-stream over TLS cancels the statement on the server', async () => {
  const source = await openSource(TLS_URL);
  const admin = await pgAdmin();
  const marker = uniqueName('tls_cancel');
  const active = async (): Promise<number> =>
    (await admin.query(`select 1 from pg_stat_activity where query like $1 and state = 'active' and pid <> pg_backend_pid()`, [`%${marker}%`])).rowCount ?? 0;
  try {
    const controller = new AbortController();
    // generate_series in the select list streams; producing row 2,500 sleeps, so the statement is running when aborted.
    const cursor = await source.query({ sql: `select g, case when g = 2500 then pg_sleep(30) end from (select generate_series(1, 100000) g) s`, signal: controller.signal, comment: `color='${marker}'` });
    const iterator = cursor.batches()[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.[0]?.[0], 1);
    assert.ok(await eventually(async () => (await active()) === 1), 'the statement never became active');
    const pending = iterator.next();
    controller.abort('timeout');
    await assert.rejects(pending, (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
    await cursor.close();
    assert.ok(await eventually(async () => (await active()) === 0, 5000), 'the statement still runs on the server');
  } finally {
    await admin.end();
    await source.close();
  }
});

test('a server certificate that does not verify is a connect error', async () => {
  assert.ok(existsSync(CERT), 'scripts/start-services.sh installs the server certificate');
  // Self-signed: trusting only the system's roots, verify-full must refuse it.
  await assert.rejects(openSource(`${PG_URL}?sslmode=verify-full`), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_CONNECT'), String(error));
    assert.match(error.message, /certificate/);
    return true;
  });
});
