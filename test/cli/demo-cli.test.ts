import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../pipeline/fixtures.js';
import { repoRoot, runProgram, xlsxCheckPath } from './run-cli.js';

/** EXPECTED.json for xlsx-check, built from the database the file was exported from. */
function expectedFromDatabase(dbPath: string): unknown {
  const db = new Database(dbPath, { readonly: true });
  try {
    const statement = db.prepare('select * from orders order by id');
    const header = statement.columns().map((column) => column.name);
    const rows: unknown[][] = [header];
    for (const row of statement.raw().iterate() as Iterable<unknown[]>) {
      rows.push(
        row.map((value, i) => {
          const name = header[i];
          if (value === null) return null;
          if (name === 'ordered_at') return { date: String(value).replace(' ', 'T') };
          if (name === 'shipped_on') return { date: String(value) };
          if (name === 'is_gift') return value === 1;
          return value;
        }),
      );
    }
    return { sheets: [{ name: 'orders', rows }] };
  } finally {
    db.close();
  }
}

test('README quick start: `npm run demo` builds the database, exports it, and the file passes xlsx-check', async (t) => {
  assert.ok(existsSync(xlsxCheckPath), `xlsx-check not found at ${xlsxCheckPath}`);
  const dir = tempDir(t);
  const out = join(dir, 'demo-orders.xlsx');
  const db = join(dir, 'cache', 'orders.db');
  const args = ['run', 'demo', '--', '--rows', '400', '--out', out, '--db', db];
  const first = await runProgram('npm', args, { cwd: repoRoot, timeoutMs: 120_000 });
  assert.equal(first.code, 0, first.stderr);
  const stdout = first.stdout.toString();
  assert.match(stdout, new RegExp(`demo database: ${db} \\(400 orders, built in [\\d.]+ s\\)`));
  assert.match(stdout, new RegExp(`demo export: ${out}\\n  400 rows in [\\d.]+ s: [\\d,]+ rows/s\\n`));
  assert.match(first.stderr, /exported 400 rows, 1 sheet/);

  const expected = join(dir, 'EXPECTED.json');
  writeFileSync(expected, JSON.stringify(expectedFromDatabase(db)));
  const check = await runProgram(xlsxCheckPath, [out, expected], { timeoutMs: 300_000 });
  assert.equal(check.code, 0, `${check.stdout.toString()}\n${check.stderr}`);
  assert.match(check.stdout.toString(), /xlsx-check: 5 readers passed, 0 failed/);

  const second = await runProgram('npm', args, { cwd: repoRoot, timeoutMs: 120_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout.toString(), /\(400 orders, reused\)/);
});
