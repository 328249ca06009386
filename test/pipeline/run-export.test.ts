import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { runExport } from '../../src/pipeline/index.js';
import { runReport } from '../../src/report/run-report.js';
import { openSource } from '../../src/sources/index.js';
import type { Source } from '../../src/sources/types.js';
import type { CellValue } from '../../src/xlsx/types.js';
import type { ExportProgress } from '../../src/pipeline/types.js';
import { isSheetpipeError } from '../../src/errors.js';
import { ENDLESS_SQL, createItemsDb, itemName, tempDir } from './fixtures.js';

async function readXlsx(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

test('SQLite table to xlsx: sheet named after the table, header, typed cells, no temp file left', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 50);
  const out = join(dir, 'items.xlsx');
  const result = await runExport({ source: `sqlite:${db}`, table: 'items', out, threads: 1, deterministic: true });
  assert.equal(result.rows, 50);
  assert.deepEqual(result.sheets, ['items']);
  assert.equal(result.path, out);
  assert.ok(result.bytes > 0 && result.bytes === readFileSync(out).length);
  assert.deepEqual(readdirSync(dir).sort(), ['items.xlsx', 'shop.db']);
  const sheet = (await readXlsx(out)).getWorksheet('items');
  assert.ok(sheet);
  assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), ['id', 'name', 'price', 'created', 'day', 'ok', 'note']);
  const row5 = sheet.getRow(6);
  assert.equal(row5.getCell(1).value, 5);
  assert.equal(row5.getCell(2).value, itemName(5));
  assert.equal(row5.getCell(3).value, 6.25);
  assert.deepEqual(row5.getCell(4).value, new Date(Date.UTC(2024, 2, 6, 10, 5, 5)));
  assert.deepEqual(row5.getCell(5).value, new Date(Date.UTC(2024, 2, 6)));
  assert.equal(row5.getCell(6).value, true);
  assert.equal(sheet.getRow(4).getCell(7).value, null, 'NULL note is an empty cell');
  assert.equal(sheet.rowCount, 51);
});

test('SQLite query with :params to CSV; default format follows the .csv extension', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 20);
  const out = join(dir, 'few.csv');
  const result = await runExport({ source: `sqlite:${db}`, query: 'select id, name, created, day, ok, note from items where id <= :max order by id', params: { max: '5' }, out });
  assert.equal(result.rows, 5);
  assert.deepEqual(result.sheets, []);
  assert.equal(
    readFileSync(out, 'utf8'),
    'id,name,created,day,ok,note\r\n' +
      '1,item 1,2024-03-02 10:01:05,2024-03-02,true,note 1\r\n' +
      '2,item 2,2024-03-03 10:02:05,2024-03-03,false,note 2\r\n' +
      '3,item 3,2024-03-04 10:03:05,2024-03-04,true,\r\n' +
      '4,item 4,2024-03-05 10:04:05,2024-03-05,false,note 4\r\n' +
      '5,"Zoë ""5"", 配達",2024-03-06 10:05:05,2024-03-06,true,note 5\r\n',
  );
});

test('a Writable target receives the whole xlsx and is ended once; the default sheet is Sheet1', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 10);
  const chunks: Buffer[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => chunks.push(chunk));
  const result = await runExport({ source: `sqlite:${db}`, query: 'select id, name from items', out: destination, threads: 1 });
  assert.equal(result.path, undefined);
  assert.deepEqual(result.sheets, ['Sheet1']);
  assert.equal(destination.writableEnded, true);
  const file = Buffer.concat(chunks);
  assert.equal(file.length, result.bytes);
  assert.equal(file.subarray(0, 2).toString(), 'PK');
  const copy = join(dir, 'copy.xlsx');
  writeFileSync(copy, file);
  assert.equal((await readXlsx(copy)).getWorksheet('Sheet1')?.rowCount, 11);
});

test('cancelling through the signal stops an endless query, removes the temp file, keeps the old target', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  for (const format of ['xlsx', 'csv'] as const) {
    const out = join(dir, `report.${format}`);
    writeFileSync(out, 'the previous report');
    const controller = new AbortController();
    let seen = 0;
    const exporting = runExport({
      source: `sqlite:${db}`,
      query: ENDLESS_SQL,
      out,
      threads: 1,
      signal: controller.signal,
      onProgress: (progress) => {
        seen = progress.rows;
        if (progress.rows > 10_000) controller.abort('the user pressed stop');
      },
    });
    await assert.rejects(exporting, (error) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'), String(error));
      assert.equal(error.message, 'the export was cancelled: the user pressed stop');
      return true;
    });
    assert.ok(seen > 10_000, `${format}: rows were flowing before the cancel`);
    assert.equal(readFileSync(out, 'utf8'), 'the previous report');
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  }
});

test('the timeout cancels the export with SHEETPIPE_ERR_PIPELINE_TIMEOUT and leaves no file', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const out = join(dir, 'slow.xlsx');
  const started = Date.now();
  await assert.rejects(runExport({ source: `sqlite:${db}`, query: ENDLESS_SQL, out, threads: 1, timeoutSeconds: 0.4 }), (error) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_TIMEOUT'), String(error));
    assert.equal(error.message, 'the export did not finish within 0.4 seconds');
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'stops soon after the deadline');
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('backpressure reaches the source: a stalled destination stops reading after a few batches', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  let released: (() => void) | undefined;
  // Takes the first chunk and never acknowledges it until released: the pipeline must stall.
  const stalled = new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, callback) {
      released = () => callback();
    },
  });
  const controller = new AbortController();
  const progress: ExportProgress[] = [];
  const exporting = runExport({
    source: `sqlite:${db}`,
    query: "with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000000) select i, printf('%0500d', i) from n",
    out: stalled,
    format: 'csv',
    signal: controller.signal,
    onProgress: (p) => progress.push(p),
  });
  exporting.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rows = progress.at(-1)?.rows ?? 0;
  // ~510 bytes a row: the CSV writer's two 1 MiB buffers hold ~4,100 rows, the queue two batches.
  assert.ok(rows > 0, 'rows flowed until the destination stalled');
  assert.ok(rows < 20_000, `reading stopped while the destination stalled (read ${rows} of 2,000,000 rows)`);
  controller.abort('test over');
  released?.();
  await assert.rejects(exporting, (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_CANCELED'));
});

/** A Source generating `rows` rows of ~210 bytes: isolates the pipeline's memory from any driver's. */
function generatedSource(rows: number): Source {
  return {
    kind: 'generated',
    async query() {
      return {
        columns: [{ name: 'i', kind: 'integer' }, { name: 'text', kind: 'text' }],
        estimatedRows: rows,
        async *batches() {
          for (let start = 0; start < rows; start += 2000) {
            const batch: CellValue[][] = [];
            for (let i = start; i < Math.min(rows, start + 2000); i++) batch.push([i, `${'x'.repeat(200)}${i}`]);
            yield batch;
          }
        },
        async close() {},
      };
    },
    async close() {},
  };
}

const MEMORY_BOUND = 48 * 1024 * 1024;

/**
 * Runs an export of ~60 MB of rows and returns the most memory it held at once (sampled after a
 * forced GC, so garbage awaiting collection does not count). Stops early past the bound.
 */
async function peakMemory(dir: string, source: string | Source, format: 'csv' | 'xlsx'): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, 'needs node --expose-gc (scripts/run-tests.mjs passes it)');
  gc();
  const baseline = process.memoryUsage();
  let peak = 0;
  const controller = new AbortController();
  const result = await runExport({
    source,
    query: "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300000) select i, printf('%0200d', i) from n",
    out: join(dir, `big.${format}`),
    threads: 1,
    signal: controller.signal,
    onProgress: () => {
      gc();
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
      if (peak > MEMORY_BOUND) controller.abort('memory bound exceeded');
    },
  }).catch((error: unknown) => {
    if (peak > MEMORY_BOUND) return undefined;
    throw error;
  });
  if (result) assert.equal(result.rows, 300_000);
  return peak;
}

for (const format of ['csv', 'xlsx'] as const) {
  test(`memory stays flat (${format}): the pipeline holds a few batches, not the ~60 MB of rows`, async (t) => {
    const peak = await peakMemory(tempDir(t), generatedSource(300_000), format);
    t.diagnostic(`peak ${(peak / 1e6).toFixed(1)} MB`);
    assert.ok(peak < MEMORY_BOUND, `memory grew by ${(peak / 1e6).toFixed(1)} MB`);
  });

  test(`memory stays flat (${format}) from a real SQLite source`, async (t) => {
    const dir = tempDir(t);
    const db = createItemsDb(join(dir, 'shop.db'), 1);
    const peak = await peakMemory(dir, `sqlite:${db}`, format);
    assert.ok(peak < MEMORY_BOUND, `memory grew by ${(peak / 1e6).toFixed(1)} MB`);
  });
}

test('progress is reported at most ~10 times a second, the last report has the final counts', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  const reports: { at: number; progress: ExportProgress }[] = [];
  const started = Date.now();
  const result = await runExport({
    source: `sqlite:${db}`,
    table: 'items',
    out: join(dir, 'p.csv'),
    onProgress: (progress) => reports.push({ at: Date.now(), progress }),
  });
  const elapsed = Date.now() - started;
  assert.ok(reports.length >= 1);
  assert.ok(reports.length <= elapsed / 100 + 2, `${reports.length} reports in ${elapsed} ms`);
  const last = reports.at(-1)?.progress;
  assert.equal(last?.rows, result.rows);
  assert.equal(last?.bytes, result.bytes);
  assert.equal(last?.totalRows === undefined || last.totalRows === 1, true);
});

test('a bad query fails with the database text and creates no file at all', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 1);
  await assert.rejects(runExport({ source: `sqlite:${db}`, query: 'select nope from items', out: join(dir, 'x.xlsx') }), (error) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_QUERY'), String(error));
    assert.match(error.message, /no such column: nope/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['shop.db']);
});

test('a missing database file is reported and never created', async (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'missing.db');
  await assert.rejects(runExport({ source: `sqlite:${missing}`, table: 'items', out: join(dir, 'x.xlsx') }), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_SOURCE_NOT_FOUND'));
  assert.deepEqual(readdirSync(dir), []);
});

test('options are checked before anything is opened', async () => {
  const cases = [
    [{ source: 'sqlite:x', out: 'x.xlsx' }, /exactly one of query and table/],
    [{ source: 'sqlite:x', query: 'select 1', table: 't', out: 'x.xlsx' }, /exactly one of query and table/],
    [{ source: 'sqlite:x', query: 'select 1', out: 'x.xlsx', timeoutSeconds: 0 }, /timeoutSeconds: 0 is not a positive number/],
    [{ source: 'sqlite:x', query: 'select 1', out: 'x.xlsx', threads: 0 }, /threads: 0 is not a whole number from 1 to 64/],
    [{ source: 'sqlite:x', query: 'select 1', out: 'x.xlsx', threads: 100 }, /threads: 100 is not a whole number from 1 to 64/],
  ] as const;
  for (const [options, message] of cases) {
    await assert.rejects(runExport(options), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_BAD_OPTION') && message.test(error.message));
  }
});

test('a source that is neither a URL nor a Source is refused by name, by runExport and runReport alike, and nothing is written', async (t) => {
  const dir = tempDir(t);
  const notASource = { kind: 'sqlite' } as unknown as Source;
  const refused = (error: unknown): boolean => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_BAD_OPTION') && /source: expected a source URL/.test(error.message);
  await assert.rejects(runExport({ source: notASource, query: 'select 1', out: join(dir, 'x.xlsx') }), refused);
  await assert.rejects(runReport({ source: notASource, definition: { sheets: [{ name: 'A', query: 'select 1' }] }, out: join(dir, 'r.xlsx') }), refused);
  assert.deepEqual(readdirSync(dir), []);
});

test('an open Source passed in is used and left open for its owner', async (t) => {
  const dir = tempDir(t);
  const db = createItemsDb(join(dir, 'shop.db'), 3);
  const source = await openSource(`sqlite:${db}`);
  t.after(() => source.close());
  const first = await runExport({ source, table: 'items', out: join(dir, 'a.csv') });
  const second = await runExport({ source, query: 'select count(*) as n from items', out: join(dir, 'b.csv') });
  assert.equal(first.rows, 3);
  assert.equal(readFileSync(join(dir, 'b.csv'), 'utf8'), 'n\r\n3\r\n');
  assert.equal(second.rows, 1);
  await assert.rejects(runExport({ source: { kind: 'fake' } as never, table: 'items', out: join(dir, 'c.csv') }), /invalid export option source/);
});
