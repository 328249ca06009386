import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressView, describeProgress, describeSummary, progressMode } from '../../src/cli/progress.js';

function capture(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, columns: 200, write: (text: string) => writes.push(text) }, writes };
}

test('progress text: rows, rate, MB, elapsed; percent, bar and ETA when the total is known', () => {
  assert.equal(describeProgress({ rows: 250_000, bytes: 12_400_000, elapsedMs: 1000 }, true), '250,000 rows  250,000 rows/s  12.4 MB  1.00 s');
  assert.equal(
    describeProgress({ rows: 250_000, bytes: 12_400_000, totalRows: 1_000_000, elapsedMs: 1000 }, true),
    '[█████░░░░░░░░░░░░░░░]   25%  250,000/1,000,000 rows  250,000 rows/s  12.4 MB  1.00 s  ETA 3.00 s',
  );
  assert.equal(describeProgress({ rows: 10, bytes: 10, totalRows: 40, elapsedMs: 1000 }, false), '25%  10/40 rows  10 rows/s  10 B  1.00 s  ETA 3.00 s');
});

test('summary line: rows, sheets, size, time, rows/s, destination', () => {
  assert.equal(
    describeSummary({ rows: 1_000_000, bytes: 45_200_000, sheets: ['orders'], durationMs: 3200 }, '/tmp/o.xlsx'),
    'exported 1,000,000 rows, 1 sheet, 45.2 MB in 3.20 s (312,500 rows/s) to /tmp/o.xlsx',
  );
  assert.match(describeSummary({ rows: 1, bytes: 5, sheets: [], durationMs: 10 }, 'standard output'), /^exported 1 row, CSV, 5 B/);
});

test('modes: bar on a terminal, lines otherwise, off with --no-progress', () => {
  assert.equal(progressMode({ isTTY: true, write() {} }, true), 'bar');
  assert.equal(progressMode({ isTTY: false, write() {} }, true), 'lines');
  assert.equal(progressMode({ isTTY: true, write() {} }, false), 'off');
});

test('bar redraws in place at most every 100 ms and clear() wipes it', () => {
  const { stream, writes } = capture(true);
  let now = 0;
  const view = createProgressView(stream, 'bar', () => now);
  for (let i = 0; i < 50; i++) {
    view.update({ rows: i, bytes: 0, elapsedMs: now });
    now += 10;
  }
  assert.equal(writes.length, 5, '500 ms of updates every 10 ms: 5 redraws');
  assert.ok(writes.every((text) => text.startsWith('\r') && text.endsWith('\x1b[K') && !text.includes('\n')));
  view.clear();
  assert.equal(writes.at(-1), '\r\x1b[K');
});

test('lines mode prints a plain line every 2 s; off prints nothing', () => {
  const { stream, writes } = capture(false);
  let now = 0;
  const view = createProgressView(stream, 'lines', () => now);
  for (let i = 0; i <= 50; i++) {
    view.update({ rows: i * 100, bytes: 0, elapsedMs: now });
    now += 100;
  }
  assert.equal(writes.length, 2);
  assert.match(writes[0] ?? '', /^sheetpipe: 2,000 rows {2}1,000 rows\/s {2}0 B {2}2\.00 s\n$/);
  const off = capture(true);
  const silent = createProgressView(off.stream, 'off');
  silent.update({ rows: 1, bytes: 1, elapsedMs: 1e6 });
  silent.clear();
  assert.deepEqual(off.writes, []);
});
