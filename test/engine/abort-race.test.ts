/**
 * An abort while addBatch is still going (the pipeline's cancel arrives from another task) must stop the writer's
 * threads for good: a chunk submitted after the failure once started a fresh worker pool that nothing destroyed,
 * which kept an export thread, and the service process, alive forever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import type { Row } from '../../src/xlsx/types.js';

const threadCount = (): number => readdirSync('/proc/self/task').length;

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => [i, `row ${i}`, i * 1.5]);
}

/** A sink that takes every write, completing it a macrotask later (like a file or socket). */
function laterSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      setImmediate(callback);
    },
  });
}

test('aborting at any point of a running addBatch leaves no worker thread behind', { timeout: 120_000 }, async () => {
  const baseline = threadCount();
  const batch = rows(20_000);
  for (let round = 0; round < 40; round++) {
    const book = new XlsxWriter(laterSink(), { threads: 2, chunkRows: 200 });
    const sheet = book.addSheet('S');
    const adding = sheet.addBatch(batch).then(() => 'finished', () => 'rejected');
    // Spread the aborts over the batch's life: from right away to well into it.
    await sleep(round % 10);
    await book.abort(new Error('cancelled'));
    await adding;
    await assert.rejects(sheet.addBatch(rows(1)), /aborted|cancelled/);
  }
  // Threads of destroyed pools take a moment to exit; a leaked pool's never do.
  const deadline = Date.now() + 10_000;
  while (threadCount() > baseline && Date.now() < deadline) await sleep(50);
  assert.equal(threadCount(), baseline, `threads now ${threadCount()}, before ${baseline}: a worker pool outlived its writer`);
});

test('an abort from inside the output\'s own write (a chunk result still on its way) neither crashes nor leaks', { timeout: 120_000 }, async () => {
  const baseline = threadCount();
  for (let round = 0; round < 20; round++) {
    let writes = 0;
    let book: XlsxWriter | undefined;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        // Synchronously, while the pool still has results in flight: piscina then receives results for tasks
        // its destroy() already failed, and reports each as an 'error' event that, unheard, crashes the process.
        if (++writes === 3 + round) void book?.abort(new Error('cancelled by the sink'));
        callback();
      },
    });
    book = new XlsxWriter(sink, { threads: 2, chunkRows: 100 });
    const outcome = await book.addSheet('S').addBatch(rows(20_000)).then(() => 'finished', (error: unknown) => error);
    assert.match(String(outcome), /cancelled by the sink/, `round ${round}: addBatch fails with the abort's reason`);
  }
  const deadline = Date.now() + 10_000;
  while (threadCount() > baseline && Date.now() < deadline) await sleep(50);
  assert.equal(threadCount(), baseline, `threads now ${threadCount()}, before ${baseline}`);
});
