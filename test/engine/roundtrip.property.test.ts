import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';
import { expectedCell } from '../helpers/xlsx-check.js';

const text = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('_', 'x', '0', '0', '4', '1', 'D', 'f', '&', '<', '>', '\r', '\n', '\t', '\u0001', ' ', '='), minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => s.toWellFormed()),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
// Millisecond dates from 1900-03-01 to 9999: before that ExcelJS's reader is a day off (handled in the helper).
const date = fc.integer({ min: Date.UTC(1900, 2, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms));
const cell: fc.Arbitrary<CellValue> = fc.oneof(text, number, date, fc.boolean(), fc.constant(null));

test('property: random strings, numbers, dates and booleans survive write → ExcelJS read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-prop-'));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 30 }), async (rows) => {
      const path = join(dir, `p${run++}.xlsx`);
      const book = new XlsxWriter(path, { threads: 1 });
      await book.addSheet('P').addBatch(rows);
      await book.close();
      const [sheet] = await readWithExcelJs(path);
      rows.forEach((row, r) =>
        row.forEach((value, c) => {
          const got = sheet!.rows[r]?.[c] ?? null;
          const want = expectedCell(value);
          if (value instanceof Date) {
            // Serials hold ~0.1 ms at most: compare to the millisecond.
            const ms = new Date(`${(got as { date: string }).date}Z`).getTime();
            assert.ok(Math.abs(ms - value.getTime()) <= 1, `row ${r + 1} col ${c + 1}: ${JSON.stringify(got)} vs ${value.toISOString()}`);
          } else {
            assert.deepEqual(got, want, `row ${r + 1} col ${c + 1}`);
          }
        }),
      );
    }),
    { numRuns: 40, interruptAfterTimeLimit: 20_000 },
  );
});
