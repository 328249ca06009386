import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32Combine } from '../../src/zip/crc32.js';

test('crc32Combine(crc(A), crc(B), |B|) equals crc(A + B)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 2000 }), (a, b) => {
      const whole = crc32(Buffer.concat([a, b]));
      assert.equal(crc32Combine(crc32(a), crc32(b), b.length), whole);
    }),
    { numRuns: 500 },
  );
});

test('crc32Combine folds many blocks in order, as the ordered merge does', () => {
  const blocks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1000 + i * 37, i));
  let combined = 0;
  let first = true;
  for (const block of blocks) {
    combined = first ? crc32(block) : crc32Combine(combined, crc32(block), block.length);
    first = false;
  }
  assert.equal(combined, crc32(Buffer.concat(blocks)));
});
