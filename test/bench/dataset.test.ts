import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CITY_POOL, COLUMN_NAMES, datasetBatches, NAME_POOL, NOTE_MAX, NOTE_MIN, type DatasetRow } from '../../bench/dataset.js';

const collect = (rows: number, seed?: number, batchRows?: number): DatasetRow[] =>
  [...datasetBatches({ rows, ...(seed === undefined ? {} : { seed }), ...(batchRows === undefined ? {} : { batchRows }) })].flat();

test('the same seed gives the same rows, another seed other rows', () => {
  const first = collect(3000);
  assert.deepEqual(collect(3000), first);
  assert.notDeepEqual(collect(3000, 7), first);
});

test('batching does not change the rows, and batches cover exactly the row count', () => {
  const batches = [...datasetBatches({ rows: 1000, batchRows: 300 })];
  assert.deepEqual(batches.map((batch) => batch.length), [300, 300, 300, 100]);
  assert.deepEqual(batches.flat(), collect(1000));
  assert.equal(collect(0).length, 0);
});

test('every row has the ten columns in the shapes ANCHORS.md describes', () => {
  const rows = collect(20_000);
  const names = new Set(NAME_POOL);
  const cities = new Set(CITY_POOL);
  assert.equal(NAME_POOL.length, 1000);
  assert.equal(names.size, 1000);
  assert.equal(CITY_POOL.length, 50);
  assert.equal(COLUMN_NAMES.length, 10);
  const notes = new Set<string>();
  rows.forEach((row, index) => {
    const [id, amount, qty, name, city, createdAt, active, note, ratio, code] = row;
    assert.equal(row.length, 10);
    assert.equal(id, index + 1);
    assert.ok(amount >= 0 && amount <= 1000 && Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6, `amount ${amount}`);
    assert.ok(Number.isInteger(qty) && qty >= 1 && qty <= 100, `qty ${qty}`);
    assert.ok(names.has(name) && cities.has(city));
    assert.ok(createdAt instanceof Date && createdAt.getUTCMilliseconds() === 0);
    assert.equal(typeof active, 'boolean');
    assert.ok(note.length >= NOTE_MIN && note.length <= NOTE_MAX && note.trim() === note, `note '${note}'`);
    assert.ok(ratio >= 0 && ratio < 1);
    assert.match(code, /^[A-Z]-\d{6}$/);
    notes.add(note);
  });
  assert.ok(notes.size > rows.length * 0.9, `notes should be mostly unique: ${notes.size} of ${rows.length}`);
  const trueShare = rows.filter((row) => row[6]).length / rows.length;
  assert.ok(trueShare > 0.45 && trueShare < 0.55);
  const rowsAreFresh = new Set(rows).size === rows.length;
  assert.ok(rowsAreFresh, 'each row is its own array');
});

test('bad row counts are rejected with a clear message', () => {
  assert.throws(() => collect(-1), /rows must be a non-negative integer, got -1/);
  assert.throws(() => collect(10, undefined, 0), /batchRows must be a positive integer, got 0/);
});
