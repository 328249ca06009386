import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue } from '../../src/pipeline/batch-queue.js';

test('items come out in order and shift ends after end()', async () => {
  const queue = new BatchQueue<number>(2);
  const produced = (async () => {
    for (let i = 0; i < 5; i++) assert.equal(await queue.push(i), true);
    queue.end();
  })();
  const seen: number[] = [];
  for (let item = await queue.shift(); item !== undefined; item = await queue.shift()) seen.push(item);
  await produced;
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('push waits while the queue holds `capacity` items', async () => {
  const queue = new BatchQueue<number>(2);
  await queue.push(1);
  await queue.push(2);
  let third = false;
  const pending = queue.push(3).then(() => (third = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, false, 'a third push must wait for space');
  assert.equal(queue.size, 2);
  assert.equal(await queue.shift(), 1);
  await pending;
  assert.equal(third, true);
  assert.equal(queue.size, 2);
});

test('fail() rejects the consumer with the producer error', async () => {
  const queue = new BatchQueue<number>(1);
  const boom = new Error('boom');
  setImmediate(() => queue.fail(boom));
  await assert.rejects(queue.shift(), boom);
});

test('close() releases a producer waiting for space', async () => {
  const queue = new BatchQueue<number>(1);
  await queue.push(1);
  const waiting = queue.push(2);
  queue.close();
  assert.equal(await waiting, false);
  assert.equal(await queue.push(3), false);
  assert.equal(await queue.shift(), undefined);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new BatchQueue(0), RangeError);
});
