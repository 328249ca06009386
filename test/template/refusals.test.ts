import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSheetpipeError, type ErrorCode } from '../../src/errors.js';
import { fillTemplate } from '../../src/index.js';
import { runExport } from '../../src/pipeline/index.js';
import { tempDir } from '../pipeline/fixtures.js';
import { fixture, PG_URL, salesQuery } from './helpers.js';

/** Nothing listens here: an export that reached its source would fail with a connect error, not the template's. */
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/none';

function refuses(code: ErrorCode, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isSheetpipeError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

/** Refused by runExport before the source is opened, and no file is left. */
async function assertRefused(dir: string, template: string, into: string, code: ErrorCode, pattern?: RegExp): Promise<void> {
  const out = join(dir, 'out.xlsx');
  await assert.rejects(runExport({ source: UNREACHABLE, query: 'select 1', out, template: { file: template, into } }), refuses(code, pattern));
  assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('out')), [], 'no output file');
}

test('unsafe templates are refused before the query runs, with the reason', async (t) => {
  const dir = tempDir(t);
  await assertRefused(dir, fixture('merged.xlsx'), 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_UNSAFE', /merged cells D4:E4 cross the data area/);
  await assertRefused(dir, fixture('array-formula.xlsx'), 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_UNSAFE', /array formula in G4:G5 is computed over the data area/);
  await assertRefused(dir, fixture('below.xlsx'), 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_UNSAFE', /cell A9 lies below the data area/);
  await assertRefused(dir, fixture('formula-above.xlsx'), 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_UNSAFE', /formula in row 1 \(SUM\(E4:E5\)\) covers the old data range/);
  // A sheet target has no right edge: a merge anywhere right of its first column, at or below its row, is in the way.
  await assertRefused(dir, fixture('merged.xlsx'), 'sheet:Data!B4', 'SHEETPIPE_ERR_TEMPLATE_UNSAFE', /merged cells/);
});

test('a missing table or sheet is named, with the sheets there are', async (t) => {
  const dir = tempDir(t);
  await assertRefused(dir, fixture('template.xlsx'), 'table:Orders', 'SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND', /table "Orders" not found: no table by that name/);
  await assertRefused(dir, fixture('template.xlsx'), 'sheet:Nope!A1', 'SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND', /sheets: "Cover", "Data", "Summary"/);
});

test('targets that are not table:NAME or sheet:NAME!CELL are refused', async (t) => {
  const dir = tempDir(t);
  for (const into of ['Sales', 'table:', 'sheet:Data', 'sheet:Data!', 'sheet:Data!A0', 'sheet:Data!XFE1']) {
    await assertRefused(dir, fixture('template.xlsx'), into, 'SHEETPIPE_ERR_TEMPLATE_BAD_TARGET');
  }
});

test('files that are not a fillable workbook: missing, not a zip, a zip without a workbook, encrypted, broken XML', async (t) => {
  const dir = tempDir(t);
  await assertRefused(dir, join(dir, 'missing.xlsx'), 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_NOT_FOUND');
  const csv = join(dir, 'data.csv');
  writeFileSync(csv, 'id,name\n1,a\n');
  await assertRefused(dir, csv, 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_NOT_XLSX', /not a ZIP package/);
  // An ODF spreadsheet is a ZIP, but not an Office Open XML one.
  const ods = join(dir, 'book.ods');
  execFileSync('/usr/bin/python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(ods)}, 'w'); z.writestr('mimetype', 'application/vnd.oasis.opendocument.spreadsheet'); z.writestr('content.xml', '<x/>'); z.close()`]);
  await assertRefused(dir, ods, 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_NOT_XLSX', /no xl\/workbook.xml/);
  // Excel saves a password-protected workbook as an OLE compound file (MS-OFFCRYPTO): its signature is what is checked.
  const encrypted = join(dir, 'secret.xlsx');
  writeFileSync(encrypted, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4096)]));
  await assertRefused(dir, encrypted, 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_ENCRYPTED');
  // A copy of the fixture whose workbook.xml is cut short.
  const broken = join(dir, 'broken.xlsx');
  copyFileSync(fixture('template.xlsx'), join(dir, 'source.xlsx'));
  execFileSync('/usr/bin/python3', [
    '-c',
    `import zipfile
src = zipfile.ZipFile(${JSON.stringify(join(dir, 'source.xlsx'))})
dst = zipfile.ZipFile(${JSON.stringify(broken)}, 'w', zipfile.ZIP_DEFLATED)
for info in src.infolist():
    data = src.read(info.filename)
    dst.writestr(info.filename, data[:200] if info.filename == 'xl/workbook.xml' else data)
dst.close()`,
  ]);
  await assertRefused(dir, broken, 'table:Sales', 'SHEETPIPE_ERR_TEMPLATE_CORRUPT', /xl\/workbook.xml/);
});

test('a query whose columns do not match the table fails before any row is written, and leaves no file', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out.xlsx');
  await assert.rejects(
    runExport({ source: PG_URL, query: 'select 1 as a, 2 as b', out, template: { file: fixture('template.xlsx'), into: 'table:Sales' } }),
    refuses('SHEETPIPE_ERR_TEMPLATE_COLUMNS', /table "Sales" has 5 columns but the query returns 2/),
  );
  assert.deepEqual(readdirSync(dir), []);
  // A template fills only an .xlsx output.
  await assert.rejects(
    runExport({ source: PG_URL, query: salesQuery(1), out: join(dir, 'out.csv'), template: { file: fixture('template.xlsx'), into: 'table:Sales' } }),
    refuses('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', /template/),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('rows past Excel\'s last row fail the fill and remove its output', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'out.xlsx');
  // From row 1,048,570 seven rows fit; the eighth does not.
  const rows = Array.from({ length: 8 }, (_, i) => [i]);
  await assert.rejects(fillTemplate({ template: fixture('sheet.xlsx'), into: 'sheet:Export!B1048570', out, rows, threads: 1 }), refuses('SHEETPIPE_ERR_TEMPLATE_TOO_MANY_ROWS', /1,048,576/));
  assert.deepEqual(readdirSync(dir), [], 'the failed fill left nothing');
  await fillTemplate({ template: fixture('sheet.xlsx'), into: 'sheet:Export!B1048570', out, rows: rows.slice(0, 7), threads: 1 });
  assert.deepEqual(readdirSync(dir), ['out.xlsx'], 'seven rows fit');
});
