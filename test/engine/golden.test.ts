import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { formula } from '../../src/xlsx/formula.js';
import type { CellValue, WorkbookOptions } from '../../src/xlsx/types.js';
import { repoRoot } from '../helpers/xlsx-check.js';
import { readAllEntries } from '../helpers/zip-read.js';

const goldenDir = resolve(repoRoot, 'test/fixtures/golden');

interface GoldenCase {
  name: string;
  options: WorkbookOptions;
  write(book: XlsxWriter): Promise<void>;
}

const cases: GoldenCase[] = [
  {
    name: 'typed-columns',
    options: { properties: { title: 'Golden', creator: 'sheetpipe tests' }, customProperties: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' } },
    async write(book) {
      const sheet = book.addSheet('Orders', {
        columns: [
          { header: 'id', format: 'integer' },
          { header: 'amount', format: 'currency' },
          { header: 'placed', format: 'datetime' },
          { header: 'paid' },
          { header: 'note', width: 30 },
        ],
        autoFilter: true,
      });
      await sheet.addBatch([
        [1, 12.5, new Date('2024-01-15T13:45:30Z'), true, 'first & <best>'],
        [2, -3, new Date('1900-02-28T00:00:00Z'), false, '=not a formula'],
        [3, null, undefined, null, '  padded  '],
        [4, 1e-7, new Date('1899-12-31T08:00:00Z'), true, formula('SUM(B2:B4)', 9.5)],
      ]);
    },
  },
  {
    name: 'two-sheets-shared-strings',
    options: {},
    async write(book) {
      const first = book.addSheet('Cities', { columns: [{ header: 'city', sharedStrings: true }, { header: 'n' }] });
      const rows: CellValue[][] = Array.from({ length: 50 }, (_, i) => [`City ${i % 7}`, i]);
      await first.addBatch(rows);
      const second = book.addSheet('Empty');
      void second;
    },
  },
];

async function render(testCase: GoldenCase, threads: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-golden-'));
  const path = join(dir, `${testCase.name}.xlsx`);
  const book = new XlsxWriter(path, { ...testCase.options, deterministic: true, threads });
  await testCase.write(book);
  await book.close();
  return readFile(path);
}

for (const testCase of cases) {
  test(`golden file ${testCase.name}.xlsx: same parts and bytes as checked in`, async () => {
    const actual = await render(testCase, 2);
    const goldenPath = join(goldenDir, `${testCase.name}.xlsx`);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenPath)) {
      assert.notEqual(process.env.CI, 'true', `golden file ${goldenPath} is missing; run UPDATE_GOLDEN=1 locally`);
      await mkdir(goldenDir, { recursive: true });
      await writeFile(goldenPath, actual);
    }
    const golden = await readFile(goldenPath);
    const goldenParts = readAllEntries(golden);
    const actualParts = readAllEntries(actual);
    assert.deepEqual([...actualParts.keys()], [...goldenParts.keys()], 'entry list');
    for (const [name, xml] of goldenParts) assert.equal(actualParts.get(name), xml, `part ${name}`);
    assert.ok(actual.equals(golden), 'bytes differ although every part is equal (compression or container changed)');
  });

  test(`deterministic output of ${testCase.name} is byte-identical with 1, 2 and 3 threads`, async () => {
    const [one, two, three] = await Promise.all([render(testCase, 1), render(testCase, 2), render(testCase, 3)]);
    assert.ok(one.equals(two) && two.equals(three));
  });
}

test('a large deterministic workbook is byte-identical across thread counts (many chunks, primed dictionaries)', async () => {
  const big: GoldenCase = {
    name: 'big',
    options: { chunkRows: 300 },
    async write(book) {
      const sheet = book.addSheet('Rows', { columns: [{ header: 'id' }, { header: 'text' }, { header: 'when' }] });
      for (let start = 0; start < 20_000; start += 1000) {
        await sheet.addBatch(Array.from({ length: 1000 }, (_, i) => [start + i, `row ${start + i} ${'x'.repeat((start + i) % 40)}`, new Date(Date.UTC(2024, 0, 1) + (start + i) * 1000)]));
      }
    },
  };
  const [one, two] = await Promise.all([render(big, 1), render(big, 2)]);
  assert.ok(one.equals(two));
  const parts = readAllEntries(one);
  assert.equal((parts.get('xl/worksheets/sheet1.xml')!.match(/<row /g) ?? []).length, 20_001);
});
