import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedStrings } from '../../src/xlsx/shared-strings.js';

test('the shared-string table stops growing at its entry limit and falls back to inline', () => {
  const table = new SharedStrings(3);
  assert.deepEqual(['a', 'b', 'a', 'c', 'd', 'b'].map((s) => table.lookup(s)), [0, 1, 0, 2, -1, 1]);
  assert.equal(table.size, 3);
});

test('the shared-string table stops growing at its character budget', () => {
  const table = new SharedStrings(1000, 10);
  assert.equal(table.lookup('12345'), 0);
  assert.equal(table.lookup('123456'), -1, 'would pass the 10-character budget');
  assert.equal(table.lookup('abcde'), 1);
  assert.equal(table.lookup('12345'), 0, 'known strings are still shared');
});

test('non-strings, empty and over-long text are never shared', () => {
  const table = new SharedStrings(10);
  assert.deepEqual([42, '', null, 'x'.repeat(32_768)].map((v) => table.lookup(v)), [-1, -1, -1, -1]);
});

test('the XML lists strings in index order, escaped, with counts', () => {
  const table = new SharedStrings(10);
  for (const s of ['b & c', ' pad', 'b & c']) table.lookup(s);
  const xml = [...table.xmlPieces()].join('');
  assert.match(xml, /<sst [^>]*count="3" uniqueCount="2"><si><t>b &amp; c<\/t><\/si><si><t xml:space="preserve"> pad<\/t><\/si><\/sst>$/);
});
