import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSection, replaceSection, writeSections } from '../../bench/report.js';
import { selfTimes, stageTimes } from '../../bench/profile.js';
import { median, ratio, summarise, verdict } from '../../bench/stats.js';

test('median of odd and even counts; summaries take rows/s from the median wall time', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /median of no values/);
  const summary = summarise('x', [
    { wallMs: 2000, peakRssKiB: 100, fileBytes: 10, rows: 1000 },
    { wallMs: 1000, peakRssKiB: 300, fileBytes: 10, rows: 1000 },
    { wallMs: 4000, peakRssKiB: 200, fileBytes: 10, rows: 1000 },
  ]);
  assert.equal(summary.wallMs, 2000);
  assert.equal(summary.rowsPerSecond, 500);
  assert.equal(summary.peakRssKiB, 200);
  assert.deepEqual(summary.walls, [2000, 1000, 4000]);
});

test('verdicts pass on the right side of the target, and say n/a without data', () => {
  assert.equal(verdict('a', 'h', 15, '×', { op: '>=', limit: 15 }).result, 'PASS');
  assert.equal(verdict('a', 'h', 14.9, '×', { op: '>=', limit: 15 }).result, 'MISS');
  assert.equal(verdict('a', 'h', 1.21, '×', { op: '<=', limit: 1.2 }).result, 'MISS');
  assert.equal(verdict('a', 'h', undefined, '×', { op: '<=', limit: 1.2 }).result, 'n/a');
  const a = summarise('a', [{ wallMs: 1000, peakRssKiB: 1, fileBytes: 1, rows: 10 }]);
  const b = summarise('b', [{ wallMs: 4000, peakRssKiB: 1, fileBytes: 1, rows: 10 }]);
  assert.equal(ratio(a, b, 'rowsPerSecond'), 4);
  assert.equal(ratio(a, undefined, 'wallMs'), undefined);
});

test('a results file keeps the sections a run did not measure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const file = join(dir, 'RESULTS.md');
    writeFileSync(file, '# r\n\nintro\n\n<!-- db:start -->\nold db\n<!-- db:end -->\n\nnotes at the end\n');
    writeSections(file, new Map([['engine', '<!-- engine:start -->\nnew engine\n<!-- engine:end -->']]));
    writeSections(file, new Map([['engine', '<!-- engine:start -->\nnewer engine\n<!-- engine:end -->']]));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /old db/);
    assert.match(text, /notes at the end/);
    assert.match(text, /newer engine/);
    assert.doesNotMatch(text, /new engine\n/);
    assert.equal(replaceSection('a <!-- db:start -->x<!-- db:end --> b', 'db', '<!-- db:start -->y<!-- db:end -->'), 'a <!-- db:start -->y<!-- db:end --> b');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the rendered table carries every case, every target and the failures', () => {
  const markdown = renderSection({
    marker: 'engine',
    title: 'T',
    intro: 'I',
    machine: { cores: 2, cpu: 'cpu', node: 'v20', memoryGiB: 1, loadAverage: 0 },
    date: new Date('2026-01-02T03:04:05Z'),
    rounds: 3,
    loadAtEnd: 0.5,
    summaries: [
      summarise('case one', [{ wallMs: 1500, peakRssKiB: 2048, fileBytes: 2_500_000, rows: 3000, mainCpuMs: 6 }]),
      summarise('psql', [{ wallMs: 500, peakRssKiB: 1024, fileBytes: 1_000_000, rows: 3000 }]),
    ],
    verdicts: [verdict('speed', 'a ÷ b', 16, '×', { op: '>=', limit: 15 })],
    failures: new Map([['case two', 'exit code 1: Error: boom\nstack']]),
  });
  assert.match(markdown, /^<!-- engine:start -->/);
  assert.match(markdown, /<!-- engine:end -->$/);
  assert.match(markdown, /\| case one \| 3,000 \| 2,000 \| 1\.50 \| 2 \| 2\.5 \| 2\.00 \| 1\.50 \|/);
  assert.match(markdown, /\| psql \| 3,000 \| 6,000 \| 0\.50 \| 1 \| 1\.0 \| — \| 0\.50 \|/);
  assert.match(markdown, /\| speed \| a ÷ b \| 16\.00× \| ≥ 15× \| PASS \|/);
  assert.match(markdown, /- case two: `exit code 1: Error: boom`/);
  assert.match(markdown, /2026-01-02 03:04 UTC on 2 cores/);
});

test('profile self times add up the samples of each function, largest first', () => {
  const frame = (functionName: string, lineNumber: number) => ({ functionName, url: 'file:///x/dataset.js', lineNumber });
  const times = selfTimes({
    nodes: [
      { id: 1, callFrame: frame('renderRows', 9) },
      { id: 2, callFrame: frame('', 19) },
      { id: 3, callFrame: frame('renderRows', 9) },
    ],
    samples: [1, 2, 3, 2, 2],
    timeDeltas: [100, 10, 100, 10, 10],
  });
  assert.deepEqual(times, [['renderRows dataset.js:10', 200], ['(anonymous) dataset.js:20', 30]]);
});

test('stage times charge a native frame to its nearest caller with a known stage', () => {
  const at = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const times = stageTimes({
    nodes: [
      { id: 1, callFrame: at('(root)', ''), children: [2, 5, 6] },
      { id: 2, callFrame: at('add', 'file:///w/dist/src/xlsx/row-packer.js'), children: [3] },
      { id: 3, callFrame: at('latin1Write', ''), children: [] },
      { id: 5, callFrame: at('(garbage collector)', ''), children: [] },
      { id: 6, callFrame: at('parseDataRowMessage', 'file:///w/node_modules/pg-protocol/dist/parser.js'), children: [] },
    ],
    samples: [2, 3, 5, 6, 6],
    timeDeltas: [10, 20, 5, 7, 7],
  });
  assert.deepEqual(times, [
    ['packing rows for the workers (row-packer)', 30],
    ['driver: pg protocol parsing', 14],
    ['(garbage collector)', 5],
  ]);
});
