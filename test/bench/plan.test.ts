import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchOptions } from '../../bench/options.js';
import { buildRounds, processSpec } from '../../bench/plan.js';

test('options: defaults, --quick, case groups, and clear errors', () => {
  const full = parseBenchOptions([], {}, 'R.md');
  assert.equal(full.rows, 1_000_000);
  assert.equal(full.smallRows, 100_000);
  assert.equal(full.rounds, 3);
  assert.equal(full.resultsFile, 'R.md');
  const quick = parseBenchOptions(['--quick', '--cases', 'csv,engine'], {}, 'R.md');
  assert.equal(quick.rows, 100_000);
  assert.equal(quick.smallRows, 10_000);
  assert.equal(quick.rounds, 1);
  assert.equal(quick.resultsFile, undefined);
  assert.deepEqual(quick.cases, ['sheetpipe-t1', 'sheetpipe-t2', 'report-t2', 'exceljs', 'csv', 'generate']);
  assert.equal(parseBenchOptions([], { BENCH_ROWS: '50_000', BENCH_ROUNDS: '2' }, 'R.md').rows, 50_000);
  assert.deepEqual(parseBenchOptions(['--cases', 'csv,sheetpipe-t8,sheetpipe-t1'], {}, 'R.md').cases, ['sheetpipe-t1', 'sheetpipe-t8', 'csv']);
  assert.throws(() => parseBenchOptions(['--cases', 'excel'], {}, 'R.md'), /unknown case 'excel'/);
  assert.throws(() => parseBenchOptions(['--cases', 'sheetpipe-t0'], {}, 'R.md'), /unknown case 'sheetpipe-t0'/);
  assert.throws(() => parseBenchOptions(['--rounds', '0'], {}, 'R.md'), /--rounds must be an integer >= 1, got '0'/);
});

test('a sheetpipe-t<N> case runs the engine script with N threads', () => {
  const options = parseBenchOptions(['--db-threads', '3'], {}, 'R.md');
  const spec = processSpec({ caseId: 'sheetpipe-t8', rows: 10, suite: 'engine' }, '/tmp/x.xlsx', options);
  assert.match(spec.args[0] ?? '', /cases\/sheetpipe\.js$/);
  assert.equal(spec.args[spec.args.indexOf('--threads') + 1], '8');
  const db = processSpec({ caseId: 'db-sheetpipe', rows: 10, suite: 'db' }, '/tmp/x.xlsx', options);
  assert.equal(db.args[db.args.indexOf('--threads') + 1], '3');
  assert.equal(db.args[db.args.indexOf('--query') + 1], 'SELECT id, amount, qty, name, city, created_at, active, note, ratio, code FROM bench.orders_10');
});

test('rounds alternate the cases and add the small sheetpipe runs', () => {
  const options = parseBenchOptions(['--rows', '1000', '--rounds', '2', '--cases', 'sheetpipe-t2,csv,db-psql'], {}, 'R.md');
  const rounds = buildRounds(options);
  assert.deepEqual(rounds.map((round) => round.map((run) => `${run.caseId}@${run.rows}`)), [
    ['sheetpipe-t2@1000', 'csv@1000', 'sheetpipe-t2@100'],
    ['sheetpipe-t2@1000', 'csv@1000', 'sheetpipe-t2@100'],
    ['db-psql@1000'],
    ['db-psql@1000'],
  ]);
});
