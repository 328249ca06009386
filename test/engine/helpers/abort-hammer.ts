/**
 * Aborts running workbook writers at random points, `rounds` times, in this process: run as a child so that a
 * native abort (Node 24's zlib 'close before init' when a worker is terminated mid-deflate) is seen as an exit
 * code, not as a crashed test runner. Prints `survived <n> aborts, threads <now>/<baseline>` and exits 0.
 *
 *   node abort-hammer.js [rounds=200] [seed]
 */
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from '../../../src/util/mulberry32.js';
import { XlsxWriter } from '../../../src/xlsx/workbook-writer.js';
import type { Row } from '../../../src/xlsx/types.js';

const rounds = Number(process.argv[2] ?? 200);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const next = mulberry32(seed);
const random = (): number => next() / 2 ** 32;
const threadCount = (): number => readdirSync('/proc/self/task').length;

// Wide enough text that a chunk's deflate takes a while: the aborts land inside it often.
const batch: Row[] = Array.from({ length: 20_000 }, (_, i) => [i, `row ${i} ${'x'.repeat(i % 50)}`, i * 1.5, new Date(1_700_000_000_000 + i * 1000)]);

async function round(index: number): Promise<void> {
  let book: XlsxWriter | undefined;
  let writes = 0;
  // Every fourth round aborts from inside the output's own write, while results are still on their way.
  const fromSink = index % 4 === 3 ? 2 + Math.floor(random() * 30) : -1;
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      if (++writes === fromSink) void book?.abort(new Error('cancelled by the sink'));
      setImmediate(callback);
    },
  });
  book = new XlsxWriter(sink, { threads: 2, chunkRows: 100 + Math.floor(random() * 400) });
  const sheet = book.addSheet('S');
  const adding = sheet.addBatch(batch).then(() => book?.close()).then(() => 'finished', () => 'rejected');
  if (fromSink < 0) {
    // From right away to well into the batch: a timer of 0-40 ms plus some turns of the loop.
    await sleep(Math.floor(random() * 40));
    for (let turns = Math.floor(random() * 5); turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
    await book.abort(new Error('cancelled'));
  }
  await adding;
}

const baseline = threadCount();
for (let i = 0; i < rounds; i++) {
  // A round that cannot end is a hang: say which one, rather than leave the test to time out naming nothing.
  const watchdog = setTimeout(() => {
    process.stdout.write(`round ${i} (seed ${seed}) did not end within 30 s\n`);
    process.exit(3);
  }, 30_000);
  await round(i);
  clearTimeout(watchdog);
}
const deadline = Date.now() + 10_000;
while (threadCount() > baseline && Date.now() < deadline) await sleep(50);
process.stdout.write(`survived ${rounds} aborts (seed ${seed}), threads ${threadCount()}/${baseline}\n`);
