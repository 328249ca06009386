import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../pipeline/fixtures.js';
import { runCli, runProgram, xlsxCheckPath } from './run-cli.js';

/** Tricky values a CLI export must carry into the file: unicode, quotes, newlines, NULLs, big and small numbers. */
const ROWS: [number, string | null, number | null, string, string, number][] = [
  [1, 'plain', 1.5, '2024-01-15 13:45:30', '2024-01-15', 1],
  [2, 'Zoë "quoted", with comma', -0.1, '1999-12-31 23:59:59', '1999-12-31', 0],
  [3, 'line\nbreak and tab\t', 9007199254740991, '2024-02-29 00:00:00', '2024-02-29', 1],
  [4, null, null, '2030-06-01 08:00:00', '2030-06-01', 0],
  [5, '配達は午前中 🍷', 1e-7, '1970-01-01 00:00:01', '1970-01-01', 1],
  [6, '=not a formula', 123456.789, '2024-07-04 12:30:00', '2024-07-04', 0],
];

test('an xlsx written by the CLI passes xlsx-check with every reader', async (t) => {
  assert.ok(existsSync(xlsxCheckPath), `xlsx-check not found at ${xlsxCheckPath}`);
  const dir = tempDir(t);
  const dbPath = join(dir, 'values.db');
  const db = new Database(dbPath);
  db.exec('create table v (id integer, label text, amount real, at datetime, day date, ok boolean)');
  const insert = db.prepare('insert into v values (?, ?, ?, ?, ?, ?)');
  for (const row of ROWS) insert.run(...row);
  db.close();

  const out = join(dir, 'values.xlsx');
  const result = await runCli(['export', '--source', `sqlite:${dbPath}`, '--query', 'select * from v order by id', '--sheet', 'Values ✓', '--out', out, '--threads', '2']);
  assert.equal(result.code, 0, result.stderr);

  const expected = {
    sheets: [
      {
        name: 'Values ✓',
        rows: [
          ['id', 'label', 'amount', 'at', 'day', 'ok'],
          ...ROWS.map(([id, label, amount, at, day, ok]) => [id, label, amount, { date: at.replace(' ', 'T') }, { date: day }, ok === 1]),
        ],
      },
    ],
  };
  const expectedPath = join(dir, 'EXPECTED.json');
  writeFileSync(expectedPath, JSON.stringify(expected));
  const check = await runProgram(xlsxCheckPath, [out, expectedPath], { timeoutMs: 300_000 });
  assert.equal(check.code, 0, `${check.stdout.toString()}\n${check.stderr}`);
  assert.match(check.stdout.toString(), /xlsx-check: 5 readers passed, 0 failed/);
});
