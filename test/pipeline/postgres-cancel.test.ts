import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runExport } from '../../src/pipeline/index.js';
import { isSheetpipeError } from '../../src/errors.js';
import { tempDir } from './fixtures.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';

/** States of other backends running a statement that contains `marker`. */
async function backendsRunning(observer: pg.Client, marker: string): Promise<string[]> {
  const { rows } = await observer.query<{ state: string }>(
    'select state from pg_stat_activity where pid <> pg_backend_pid() and query like $1',
    [`%${marker}%`],
  );
  return rows.map((row) => row.state);
}

async function poll(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('cancelling mid-export stops the PostgreSQL query on the server', async (t) => {
  const dir = tempDir(t);
  const observer = new pg.Client({ connectionString: URL });
  await observer.connect();
  t.after(() => observer.end());
  const marker = `sheetpipe_cancel_${randomBytes(4).toString('hex')}`;
  // Fast first rows, then a row every 10 ms: long enough to be caught running on the server.
  // generate_series in the select list streams (ProjectSet); in FROM it would be materialized first.
  const sql = `select g as ${marker}, pg_sleep(case when g > 3000 then 0.01 else 0 end) from (select generate_series(1, 10000000) as g) series`;
  const controller = new AbortController();
  let rows = 0;
  const exporting = runExport({ source: URL, query: sql, out: join(dir, 'pg.xlsx'), threads: 1, signal: controller.signal, onProgress: (p) => (rows = p.rows) });
  exporting.catch(() => undefined);

  assert.ok(await poll(async () => rows > 0, 15_000), 'rows arrived');
  assert.ok(await poll(async () => (await backendsRunning(observer, marker)).includes('active'), 15_000), 'the query is running on the server');
  const cancelledAt = Date.now();
  controller.abort('user cancelled');
  await assert.rejects(exporting, (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
  const stopped = await poll(async () => (await backendsRunning(observer, marker)).every((state) => state !== 'active'), 5_000);
  assert.ok(stopped, `the server still runs the query ${Date.now() - cancelledAt} ms after the cancel: ${await backendsRunning(observer, marker)}`);
  assert.deepEqual(readdirSync(dir), [], 'no file left');
});
