// The scale and article cases of issue 18: which runs they plan, the streamed series query, and the article's
// file checks (unzip -t, openpyxl on the last sheet) on a real export of a few thousand rows. No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkArticle, expectedLastSheetRows, lastRowProblem, renderArticleCheck } from '../../bench/article.js';
import { COLUMN_NAMES } from '../../bench/dataset.js';
import { seriesQuery } from '../../bench/db/series.js';
import { DEFAULT_SOURCE } from '../../bench/db/table.js';
import { measureProcess } from '../../bench/measure.js';
import { parseBenchOptions } from '../../bench/options.js';
import { buildRounds, outputPath, processSpec, type Run } from '../../bench/plan.js';

const keys = (rounds: readonly (readonly Run[])[]): string[][] => rounds.map((round) => round.map((run) => `${run.caseId}@${run.rows}`));

test('scale-db is in the default set; scale-t2 and article only when asked for', () => {
  const defaults = parseBenchOptions([], {}, 'R.md');
  assert.equal(defaults.scaleRows, 10_000_000);
  assert.ok(defaults.cases.includes('scale-db'));
  assert.ok(!defaults.cases.includes('scale-t2'));
  assert.ok(!defaults.cases.includes('article'));
  assert.deepEqual(parseBenchOptions(['--cases', 'scale'], {}, 'R.md').cases, ['scale-db', 'scale-t2']);
  assert.ok(parseBenchOptions(['--cases', 'all'], {}, 'R.md').cases.includes('article'));
  assert.equal(parseBenchOptions(['--quick'], {}, 'R.md').scaleRows, 1_000_000);
  assert.equal(parseBenchOptions([], { BENCH_SCALE_ROWS: '20_000_000' }, 'R.md').scaleRows, 20_000_000);
});

test('scale rounds run every scale case big then small; the article case runs once, whatever --rounds says', () => {
  const options = parseBenchOptions(['--cases', 'scale,article', '--rows', '1000', '--scale-rows', '10000', '--rounds', '2'], {}, 'R.md');
  assert.deepEqual(keys(buildRounds(options)), [
    ['scale-db@10000', 'scale-t2@10000', 'scale-db@1000', 'scale-t2@1000'],
    ['scale-db@10000', 'scale-t2@10000', 'scale-db@1000', 'scale-t2@1000'],
    ['article@1000'],
  ]);
});

test('scale-db and article export the series through runExport; scale-t2 is the engine with 2 threads', () => {
  const options = parseBenchOptions(['--db-threads', '3'], {}, 'R.md');
  const db = processSpec({ caseId: 'scale-db', rows: 50, suite: 'scale' }, '/tmp/x.xlsx', options);
  assert.match(db.args[0] ?? '', /cases\/db-sheetpipe\.js$/);
  assert.equal(db.args[db.args.indexOf('--query') + 1], seriesQuery(50));
  assert.equal(db.args[db.args.indexOf('--threads') + 1], '3');
  const article = processSpec({ caseId: 'article', rows: 120_000_000, suite: 'article' }, '/tmp/x.xlsx', options);
  assert.equal(article.args[article.args.indexOf('--query') + 1], seriesQuery(120_000_000));
  const engine = processSpec({ caseId: 'scale-t2', rows: 50, suite: 'scale' }, '/tmp/x.xlsx', options);
  assert.match(engine.args[0] ?? '', /cases\/sheetpipe\.js$/);
  assert.equal(engine.args[engine.args.indexOf('--threads') + 1], '2');
  assert.ok(!engine.args.includes('--query'));
});

test('the series query streams ids 1…rows in order with the bench columns, and past 2^31 / 31 without overflow', async () => {
  const client = new pg.Client({ connectionString: DEFAULT_SOURCE });
  await client.connect();
  try {
    const small = await client.query({ text: seriesQuery(5), rowMode: 'array' });
    assert.deepEqual(small.fields.map((field) => field.name), [...COLUMN_NAMES]);
    assert.deepEqual(small.rows.map((row: unknown[]) => row[0]), [1, 2, 3, 4, 5]);
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${seriesQuery(120_000_000)}`);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(text, /ProjectSet/, 'generate_series runs row by row');
    assert.doesNotMatch(text, /Function Scan/, 'a function scan would materialise all rows first');
    // created_at = 2024-01-01 + g × 31 s: g = 120,000,000 overflows a 32-bit product, so the SQL multiplies in float8.
    const last = await client.query({ text: `${seriesQuery(120_000_000).replace('generate_series(1, 120000000)', 'generate_series(120000000, 120000000)')}`, rowMode: 'array' });
    const createdAt = (last.rows[0] as unknown[])[5] as Date;
    assert.ok(createdAt.getTime() >= Date.UTC(2024, 0, 1) + 120_000_000 * 31_000);
  } finally {
    await client.end();
  }
  assert.throws(() => seriesQuery(0), RangeError);
});

test('the last sheet of a rolled-over export holds what is left after the full sheets', () => {
  assert.equal(expectedLastSheetRows(2000), 2000);
  assert.equal(expectedLastSheetRows(1_048_575), 1_048_575);
  assert.equal(expectedLastSheetRows(1_048_576), 1);
  assert.equal(expectedLastSheetRows(10_000_000), 10_000_000 - 9 * 1_048_575);
  assert.equal(expectedLastSheetRows(120_000_000), 120_000_000 - 114 * 1_048_575);
});

test('the last-row check names the first wrong value', () => {
  const good = [7, 12.5, 3, 'Ada Turing', 'Oslo', '2024-01-01T00:03:40', true, 'order shipped', 0.5, 'K-004211'];
  assert.equal(lastRowProblem(good, 7), undefined);
  assert.equal(lastRowProblem(good, 8), 'id 7, expected 8');
  assert.match(lastRowProblem(good.with(5, '2024-01-01T00:00:00'), 7) ?? '', /^created_at 2024-01-01T00:00:00, expected 2024-01-01T00:03:37/);
  assert.match(lastRowProblem(good.with(9, 'K4211'), 7) ?? '', /^code K4211/);
  assert.match(lastRowProblem(good.with(4, 'Atlantis'), 7) ?? '', /^city Atlantis/);
});

test('the article case on 3,000 rows: unzip -t and openpyxl accept the file and its last row', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-article-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rows = 3000;
  const options = parseBenchOptions(['--cases', 'article', '--rows', String(rows)], {}, 'R.md');
  const run: Run = { caseId: 'article', rows, suite: 'article' };
  const out = outputPath(run, dir);
  const measured = await measureProcess(processSpec(run, out, options));
  assert.equal(measured.child?.rows, rows);
  const check = await checkArticle(out, rows);
  assert.equal(check.unzipOk, true, check.unzipSays);
  assert.match(check.unzipSays, /No errors detected/);
  assert.deepEqual([check.sheets, check.lastSheet, check.lastSheetRows, check.expectedLastSheetRows], [1, 'Data', rows + 1, rows + 1]);
  assert.equal(check.lastRowProblem, undefined, JSON.stringify(check.lastRow));
  assert.equal(check.lastRow[0], rows);
  assert.match(renderArticleCheck(check).join('\n'), /\| `unzip -tq` \| PASS: No errors detected/);

  // A damaged file fails unzip -t (and its checks say so) instead of passing silently.
  const broken = join(dir, 'broken.xlsx');
  writeFileSync(broken, 'PK not a zip');
  await assert.rejects(checkArticle(broken, rows));
});
