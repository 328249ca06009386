/** largestIds (the latency ring's top-k): the same entries as sorting everything and taking the first k. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { largestIds } from '../../src/observability/largest.js';

test('largestIds picks the k largest values, ties and all', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (numbers, k) => {
    const values = Float64Array.from(numbers);
    const ids = Int32Array.from(numbers.map((_, i) => i));
    const picked = [...largestIds(values, ids, numbers.length, k)].map((id) => numbers[id] as number).sort((a, b) => b - a);
    const expected = [...numbers].sort((a, b) => b - a).slice(0, k);
    assert.deepEqual(picked, expected);
  }), { numRuns: 300 });
});
