// Issue 18's SQLite pair: the db-sqlite case exports the demo's SQLite table and demo-t2 writes the demo rows
// in-process; for the ratio to mean "what reading SQLite costs", both must write the very same worksheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDemoFile } from '../../bench/db/sqlite-demo.js';
import { measureProcess } from '../../bench/measure.js';
import { parseBenchOptions, type CaseId } from '../../bench/options.js';
import { buildRounds, outputPath, processSpec, type Run } from '../../bench/plan.js';

const ROWS = 3000;

test('db-sqlite and demo-t2 write the same worksheet from the demo table and the demo generator', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sqliteFile = join(dir, 'demo.db');
  assert.ok((await ensureDemoFile(ROWS, sqliteFile)).builtMs > 0, 'a new file is built');
  assert.equal((await ensureDemoFile(ROWS, sqliteFile)).builtMs, 0, 'a current file is reused');
  const options = parseBenchOptions(['--rows', String(ROWS), '--cases', 'sqlite', '--db-threads', '5'], {}, 'R.md');
  assert.deepEqual(buildRounds(options).map((round) => round.map((run) => run.caseId)), [['db-sqlite', 'demo-t2'], ['db-sqlite', 'demo-t2'], ['db-sqlite', 'demo-t2']]);
  const sheets: string[] = [];
  for (const caseId of ['db-sqlite', 'demo-t2'] as CaseId[]) {
    const run: Run = { caseId, rows: ROWS, suite: 'sqlite' };
    const spec = processSpec(run, outputPath(run, dir), options, { sqliteFile });
    assert.equal(spec.args[spec.args.indexOf('--threads') + 1], '2', 'the pair always runs with 2 threads');
    const measured = await measureProcess(spec);
    assert.equal(measured.child?.rows, ROWS);
    sheets.push(execFileSync('unzip', ['-p', outputPath(run, dir), 'xl/worksheets/sheet1.xml'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  }
  const [fromSqlite, inProcess] = sheets as [string, string];
  assert.match(fromSqlite, /<c r="J2" s="\d+"><v>44927\.\d+<\/v><\/c>/, 'ordered_at is a date cell');
  assert.equal(fromSqlite.match(/<row /g)?.length, ROWS + 1);
  assert.ok(fromSqlite === inProcess, 'the same worksheet XML');
});
