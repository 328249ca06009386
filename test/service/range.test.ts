import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentDisposition, parseRange } from '../../src/service/http/range.js';

test('one byte range is partial, clipped to the file; suffix ranges count from the end', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
});

test('ranges past the end are unsatisfiable; several, reversed or malformed ranges get the whole file', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-1,5-6', 1000), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=50-10', 1000), { kind: 'whole' });
  assert.deepEqual(parseRange('items=0-1', 1000), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=abc', 1000), { kind: 'whole' });
  assert.deepEqual(parseRange(undefined, 1000), { kind: 'whole' });
});

test('Content-Disposition keeps an ASCII fallback and the exact UTF-8 name', () => {
  assert.equal(contentDisposition('orders-1.xlsx'), `attachment; filename="orders-1.xlsx"; filename*=UTF-8''orders-1.xlsx`);
  assert.equal(contentDisposition('Umsätze "Q1".xlsx'), `attachment; filename="Ums_tze _Q1_.xlsx"; filename*=UTF-8''Ums%C3%A4tze%20%22Q1%22.xlsx`);
});
