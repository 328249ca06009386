import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { isSheetpipeError } from '../../src/errors.js';
import { readAllEntries } from '../helpers/zip-read.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'sheetpipe-fail-'));
}

function rows(count: number, width = 4): (string | number)[][] {
  return Array.from({ length: count }, (_, i) => Array.from({ length: width }, (_, c) => (c % 2 === 0 ? i : `text ${i} ${c}`)));
}

test('NaN gets an error naming sheet, row and column, and leaves no file behind', async () => {
  const dir = await tempDir();
  const path = join(dir, 'out.xlsx');
  const book = new XlsxWriter(path, { threads: 1 });
  const sheet = book.addSheet('Money', { columns: [{ header: 'id' }, { header: 'amount' }] });
  await sheet.addBatch([[1, 2], [2, Number.NaN]]);
  await assert.rejects(book.close(), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_NOT_FINITE'));
    assert.match(error.message, /sheet Money, row 3, column B \(amount\): NaN/);
    return true;
  });
  assert.deepEqual(await readdir(dir), []);
});

test('Infinity is refused the same way', async () => {
  const dir = await tempDir();
  const book = new XlsxWriter(join(dir, 'x.xlsx'), { threads: 1 });
  await book.addSheet('S').addRow([Number.POSITIVE_INFINITY]);
  await assert.rejects(book.close(), /sheet S, row 1, column A: Infinity is not a finite number/);
  assert.deepEqual(await readdir(dir), []);
});

test('text over 32,767 characters is an error by default and truncated on request', async () => {
  const dir = await tempDir();
  const long = 'x'.repeat(32_768);
  const strict = new XlsxWriter(join(dir, 'strict.xlsx'), { threads: 1 });
  await strict.addSheet('T').addRow(['ok', long]);
  await assert.rejects(strict.close(), /row 1, column B: text of 32768 characters exceeds Excel's limit of 32,767/);

  const path = join(dir, 'cut.xlsx');
  const lenient = new XlsxWriter(path, { threads: 1, truncateLongText: true });
  await lenient.addSheet('T').addRow(['ok', `${'y'.repeat(32_766)}😀`]);
  await lenient.close();
  const xml = readAllEntries(await readFile(path)).get('xl/worksheets/sheet1.xml')!;
  const text = /<c r="B1" t="inlineStr"><is><t>([^<]*)<\/t>/.exec(xml)![1]!;
  assert.equal(text.length, 32_767);
  assert.ok(text.endsWith('y\uFFFD'), 'a surrogate pair cut in half becomes U+FFFD');
});

test('sheet names follow Excel rules and are unique case-insensitively', async () => {
  const dir = await tempDir();
  const book = new XlsxWriter(join(dir, 'names.xlsx'), { threads: 1 });
  assert.throws(() => book.addSheet(''), /1 to 31 characters/);
  assert.throws(() => book.addSheet('x'.repeat(32)), /32 characters is more than Excel's limit of 31/);
  for (const bad of ['a/b', 'a\\b', 'a?b', 'a*b', 'a:b', 'a[b', 'a]b']) assert.throws(() => book.addSheet(bad), /none of/);
  assert.throws(() => book.addSheet("'quoted"), /start or end with '/);
  book.addSheet('Report');
  assert.throws(() => book.addSheet('REPORT'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_SHEET_NAME_DUPLICATE'));
  await book.close();
});

test('writing after close, or into a finished sheet, is an error', async () => {
  const dir = await tempDir();
  const book = new XlsxWriter(join(dir, 'closed.xlsx'), { threads: 1 });
  const first = book.addSheet('First');
  await first.addRow([1]);
  book.addSheet('Second');
  await assert.rejects(first.addRow([2]), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_SHEET_NOT_CURRENT'));
  await book.close();
  await assert.rejects(first.addRow([3]), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_CLOSED'));
  await assert.rejects(book.close(), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_CLOSED'));
});

test('invalid options are refused up front', () => {
  assert.throws(() => new XlsxWriter(new Writable(), { threads: 0 }), /invalid option threads/);
  assert.throws(() => new XlsxWriter(new Writable(), { level: 12 }), /invalid option level/);
  assert.throws(() => new XlsxWriter(new Writable(), { timeZone: 'Mars/Olympus' }), /unknown time zone/);
});

test('an abort mid-export stops the workers, removes the temp file and leaves an existing target untouched', async () => {
  const dir = await tempDir();
  const path = join(dir, 'report.xlsx');
  await writeFile(path, 'previous report');
  const controller = new AbortController();
  const book = new XlsxWriter(path, { threads: 2, signal: controller.signal });
  const sheet = book.addSheet('Big');
  await sheet.addBatch(rows(20_000));
  controller.abort(new Error('user pressed cancel'));
  await assert.rejects(sheet.addBatch(rows(10)), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_XLSX_ABORTED'));
    assert.match(error.message, /user pressed cancel/);
    return true;
  });
  await assert.rejects(book.close());
  // No waiting: a failed call settles only after the temp file is gone.
  assert.deepEqual(await readdir(dir), ['report.xlsx']);
  assert.equal(await readFile(path, 'utf8'), 'previous report');
});

test('a failing sink (disk full) rejects with its error and the file target leaves nothing', async () => {
  let written = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      callback(written > 50_000 ? Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }) : null);
    },
  });
  const book = new XlsxWriter(sink, { threads: 1 });
  const sheet = book.addSheet('S');
  const work = (async () => {
    for (let i = 0; i < 50; i++) await sheet.addBatch(rows(2_000));
    await book.close();
  })();
  await assert.rejects(work, (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_ZIP_SINK'));
    assert.match(error.message, /ENOSPC/);
    return true;
  });
  assert.ok(sink.destroyed);
});

test('an output directory that does not exist is reported by path', async () => {
  const path = join(await tempDir(), 'missing', 'out.xlsx');
  const book = new XlsxWriter(path, { threads: 1 });
  await book.addSheet('S').addRow([1]);
  await assert.rejects(book.close(), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
    assert.ok(error.message.includes(path));
    assert.match(error.message, /directory .*missing does not exist/);
    return true;
  });
  assert.equal(existsSync(path), false);
});

test('a path that is a directory is refused by name, and the directory is left as it was', async () => {
  const path = await tempDir();
  await writeFile(join(path, 'keep.txt'), 'kept');
  const book = new XlsxWriter(path, { threads: 1 });
  await book.addSheet('S').addRow([1]);
  await assert.rejects(book.close(), (error: unknown) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
    assert.equal(error.message, `cannot write the output ${path}: it is a directory`);
    return true;
  });
  assert.deepEqual(await readdir(path), ['keep.txt']);
  assert.deepEqual((await readdir(dirname(path))).filter((name) => name.startsWith(`.${basename(path)}.`)), [], 'no temp file beside it');
});

test('backpressure: a stalled sink makes addBatch wait instead of buffering', async () => {
  const pending: (() => void)[] = [];
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(_chunk, _encoding, callback) {
      pending.push(() => callback());
    },
  });
  const book = new XlsxWriter(sink, { threads: 1, chunkRows: 100 });
  const sheet = book.addSheet('S');
  let accepted = 0;
  const producer = (async () => {
    for (let i = 0; i < 200; i++) {
      await sheet.addBatch(rows(100));
      accepted += 100;
    }
  })();
  await sleep(500);
  assert.ok(accepted < 2_000, `the producer should be held back by the stalled sink, but ${accepted} rows were accepted`);
  const stalledAt = accepted;
  const release = setInterval(() => pending.splice(0).forEach((resume) => resume()), 1);
  await producer;
  await book.close();
  clearInterval(release);
  assert.ok(accepted === 20_000 && stalledAt < accepted);
});

test('niceIncrement lowers the CPU priority of the worker threads only', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const niceOfThreads = (): number[] =>
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
    });
  const book = new XlsxWriter(new Writable({ write: (_chunk, _encoding, callback) => callback() }), { threads: 2, niceIncrement: 7 });
  const sheet = book.addSheet('S');
  let during = niceOfThreads();
  for (let i = 0; i < 50 && during.filter((nice) => nice === 7).length < 2; i++) {
    await sheet.addBatch(rows(5_000));
    during = niceOfThreads();
  }
  await book.close();
  assert.equal(during.filter((nice) => nice === 7).length, 2, `thread nice values: ${during.join(',')}`);
  assert.ok(during.includes(0), 'the main thread keeps its priority');
});
