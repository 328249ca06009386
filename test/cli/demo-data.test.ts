import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_COLUMNS, ensureDemoDatabase } from '../../src/cli/demo-data.js';
import { isSheetpipeError } from '../../src/errors.js';
import { tempDir } from '../pipeline/fixtures.js';

function readAll(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('select * from orders order by id').all();
  } finally {
    db.close();
  }
}

const never = new AbortController().signal;

test('builds a realistic orders table, deterministically', async (t) => {
  const dir = tempDir(t);
  const first = await ensureDemoDatabase(join(dir, 'a', 'orders.db'), 2000, never);
  const second = await ensureDemoDatabase(join(dir, 'b', 'orders.db'), 2000, never);
  assert.equal(first.built, true);
  const rows = readAll(first.path) as Record<string, unknown>[];
  assert.equal(rows.length, 2000);
  assert.deepEqual(rows, readAll(second.path), 'same seed, same data');
  assert.deepEqual(Object.keys(rows[0] ?? {}), [...DEMO_COLUMNS]);
  const row = rows[0] as Record<string, unknown>;
  assert.equal(row.id, 1);
  assert.equal(row.order_number, 'SO-0000001');
  assert.match(String(row.ordered_at), /^2023-01-01 \d\d:\d\d:\d\d$/);
  assert.match(String(row.customer_email), /^[a-z.]+\d+@example\.com$/);
  const statuses = new Set(rows.map((r) => r.status));
  assert.ok(statuses.has('delivered') && statuses.has('pending') && statuses.size >= 5);
  assert.ok(rows.some((r) => r.notes === null) && rows.some((r) => typeof r.notes === 'string' && /[\n",]/.test(r.notes)));
  assert.ok(rows.every((r) => r.is_gift === 0 || r.is_gift === 1));
  assert.ok(rows.every((r) => (r.shipped_on === null) === !['delivered', 'shipped'].includes(String(r.status))));
  assert.ok(rows.every((r) => typeof r.amount === 'number' && r.amount > 0 && Math.abs(r.amount * 100 - Math.round(r.amount * 100)) < 1e-6), 'amounts in whole cents');
  assert.ok(new Set(rows.map((r) => r.currency)).size >= 3);
  assert.deepEqual(readdirSync(join(dir, 'a')), ['orders.db'], 'no temp file left behind');
});

test('reuses a database with the same row count and rebuilds for another', async (t) => {
  const path = join(tempDir(t), 'orders.db');
  await ensureDemoDatabase(path, 500, never);
  const built = statSync(path).mtimeMs;
  const again = await ensureDemoDatabase(path, 500, never);
  assert.equal(again.built, false);
  assert.equal(statSync(path).mtimeMs, built);
  const other = await ensureDemoDatabase(path, 700, never);
  assert.equal(other.built, true);
  assert.equal(readAll(path).length, 700);
});

test('a cancelled build leaves neither the database nor its temp file', async (t) => {
  const dir = tempDir(t);
  const controller = new AbortController();
  controller.abort('received SIGINT');
  await assert.rejects(ensureDemoDatabase(join(dir, 'orders.db'), 50_000, controller.signal), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
  assert.deepEqual(readdirSync(dir), []);
});
