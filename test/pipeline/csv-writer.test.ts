import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { CsvWriter } from '../../src/pipeline/csv-writer.js';
import { encodeCell } from '../../src/pipeline/csv-cells.js';
import { createDateFormatter } from '../../src/pipeline/date-text.js';
import { isSheetpipeError } from '../../src/errors.js';
import type { CellValue } from '../../src/xlsx/types.js';

/** A Writable that keeps copies of what it got (the writer reuses its buffers) and can be slow. */
function collector(options: { delayMs?: number } = {}) {
  const chunks: Buffer[] = [];
  let pending = 0;
  let maxPending = 0;
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      pending++;
      maxPending = Math.max(maxPending, pending);
      const done = (): void => {
        pending--;
        callback();
      };
      if (options.delayMs) setTimeout(done, options.delayMs);
      else done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), chunks, maxPending: () => maxPending };
}

test('RFC 4180: quotes only when needed, doubles inner quotes, CRLF line ends', async () => {
  const out = collector();
  const writer = new CsvWriter(out.stream, [{ header: 'a' }, { header: 'b,c' }, { header: 'say "hi"' }]);
  await writer.addBatch([
    ['plain', 'with,comma', 'with "quotes"'],
    ['line\nbreak', 'cr\rhere', '  spaces  '],
    ['', null, undefined],
  ]);
  await writer.close();
  assert.equal(
    out.text(),
    'a,"b,c","say ""hi"""\r\n' + 'plain,"with,comma","with ""quotes"""\r\n' + '"line\nbreak","cr\rhere",  spaces  \r\n' + ',,\r\n',
  );
  assert.equal(out.stream.writableEnded, true);
});

test('values: numbers, bigints, booleans, dates by column format, formulas', async () => {
  const out = collector();
  const when = new Date(Date.UTC(2024, 0, 15, 13, 45, 30, 123));
  const midnight = new Date(Date.UTC(2024, 0, 15));
  const time = new Date(Date.UTC(1899, 11, 31, 8, 5, 9));
  const writer = new CsvWriter(out.stream, [{ header: 'n' }, { header: 'big' }, { header: 'ok' }, { header: 'd', format: 'date' }, { header: 't', format: 'time' }, { header: 'dt', format: 'datetime' }, { header: 'plain' }, { header: 'f' }]);
  await writer.addBatch([[1.5, 12345678901234567890n, true, when, time, when, midnight, { formula: 'SUM(A1:A2)', result: 3 }]]);
  await writer.addBatch([[-0.1, 9007199254740993n, false, midnight, when, midnight, when, { formula: 'NOW()' }]]);
  await writer.close();
  const lines = out.text().split('\r\n');
  assert.equal(lines[1], '1.5,12345678901234567890,true,2024-01-15,08:05:09,2024-01-15 13:45:30.123,2024-01-15 00:00:00,3');
  assert.equal(lines[2], '-0.1,9007199254740993,false,2024-01-15,13:45:30.123,2024-01-15 00:00:00,2024-01-15 13:45:30.123,=NOW()');
});

test('date formatter: every style, before 1970, beyond 9999, and its day cache across alternating days', () => {
  const datetime = createDateFormatter('datetime');
  const date = createDateFormatter('date');
  const time = createDateFormatter('time');
  assert.equal(datetime(Date.UTC(10000, 0, 2, 3, 4, 5)), '+010000-01-02 03:04:05');
  assert.equal(datetime(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), '1969-12-31 23:59:59.999');
  assert.equal(datetime(Date.UTC(1899, 11, 31, 0, 0, 0, 5)), '1899-12-31 00:00:00.005');
  assert.equal(time(Date.UTC(1899, 11, 31, 23, 5, 9)), '23:05:09');
  assert.equal(date(NaN), undefined);
  // Compare with toISOString over random instants, alternating between days to exercise the cache.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 48271) % 2147483647;
    const ms = Date.UTC(1900, 0, 1) + (seed % 200_000) * 86_400_000 + (seed % 86_400_000);
    const iso = new Date(ms).toISOString();
    const fraction = iso.slice(19, 23) === '.000' ? '' : iso.slice(19, 23);
    assert.equal(datetime(ms), `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}`);
    assert.equal(date(ms), iso.slice(0, 10));
  }
});

test('a non-finite number or an invalid Date is an error naming row and column', () => {
  assert.throws(() => encodeCell(NaN, createDateFormatter('datetime'), 7, 3), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CSV_VALUE') && /row 7, column 3: cannot write NaN/.test(error.message));
  assert.throws(() => encodeCell(new Date(NaN), createDateFormatter('date'), 1, 2), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CSV_VALUE') && /invalid Date/.test(error.message));
});

test('many rows cross buffer boundaries intact, unicode included, and parse back with csv-parse', async () => {
  const out = collector();
  // A small buffer forces hundreds of flushes and buffer swaps.
  const writer = new CsvWriter(out.stream, [{ header: 'id' }, { header: 'text' }, { header: 'x' }], { bufferBytes: 4096 });
  const expected: string[][] = [['id', 'text', 'x']];
  for (let batch = 0; batch < 20; batch++) {
    const rows: CellValue[][] = [];
    for (let i = 0; i < 500; i++) {
      const id = batch * 500 + i;
      const text = `Zoë "${id}", 配達 🍷\n${'x'.repeat(id % 37)}`;
      rows.push([id, text, id % 2 === 0]);
      expected.push([String(id), text, id % 2 === 0 ? 'true' : 'false']);
    }
    await writer.addBatch(rows);
  }
  await writer.close();
  assert.ok(out.chunks.length > 100, `expected many flushes, got ${out.chunks.length}`);
  assert.ok(out.chunks.every((chunk) => chunk.length <= 4096));
  assert.deepEqual(parse(out.text(), { relaxQuotes: false }), expected);
});

test('a row larger than the buffer is written whole', async () => {
  const out = collector();
  const writer = new CsvWriter(out.stream, [{ header: 'big' }], { bufferBytes: 1024 });
  const big = 'é'.repeat(5000);
  await writer.addBatch([['small'], [big], ['after']]);
  await writer.close();
  assert.equal(out.text(), `big\r\nsmall\r\n${big}\r\nafter\r\n`);
});

test('backpressure: at most one write is in flight to a slow destination', async () => {
  const out = collector({ delayMs: 2 });
  const writer = new CsvWriter(out.stream, [{ header: 'v' }], { bufferBytes: 1024 });
  for (let i = 0; i < 20; i++) await writer.addBatch(Array.from({ length: 100 }, (_, j) => [`${i}-${j}-padding-padding`]));
  await writer.close();
  assert.equal(out.maxPending(), 1);
  assert.equal(out.text().split('\r\n').length, 2002);
});

test('a destination error rejects addBatch or close', async () => {
  const failing = new Writable({
    write(_chunk, _encoding, callback) {
      callback(new Error('disk on fire'));
    },
  });
  failing.on('error', () => undefined);
  const writer = new CsvWriter(failing, [{ header: 'v' }], { bufferBytes: 64 });
  await assert.rejects(async () => {
    for (let i = 0; i < 100; i++) await writer.addBatch([['0123456789012345678901234567890123456789']]);
    await writer.close();
  }, /disk on fire/);
});
