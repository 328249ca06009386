import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { XlsxWriter } from '../../src/xlsx/workbook-writer.js';
import { readWithExcelJs } from '../helpers/exceljs-read.js';

const run = promisify(execFile);

/** The doubles the data-fidelity issue named, kept in every run beside the random ones. */
const EDGES = [1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324, 2 ** 53 + 2, 1e16, 0.1 + 0.2, -0, 1e300, 3.4e38, 1e21, 1e-7, 123456789.123];

/** openpyxl's view of column A of the first sheet: JSON keeps Python's shortest round-trip digits exactly. */
const OPENPYXL_COLUMN = `
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]
print(json.dumps([[type(row[0]).__name__, row[0]] for row in ws.iter_rows(values_only=True)]))
`;

async function readWithOpenpyxl(path: string): Promise<[string, unknown][]> {
  const { stdout } = await run('/usr/bin/python3', ['-c', OPENPYXL_COLUMN, path], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as [string, unknown][];
}

/** Excel has no negative zero: -0 is stored as 0. Every other double must come back bit for bit. */
const stored = (n: number): number => (Object.is(n, -0) ? 0 : n);

test('property: any finite double is a number cell that ExcelJS and openpyxl read back as the same double', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-doubles-'));
  let runIndex = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 400 }), async (random) => {
      const values = [...EDGES, ...random];
      const path = join(dir, `d${runIndex++}.xlsx`);
      const book = new XlsxWriter(path, { threads: 1 });
      await book.addSheet('D').addBatch(values.map((n) => [n]));
      await book.close();

      const [exceljs] = await readWithExcelJs(path);
      const openpyxl = await readWithOpenpyxl(path);
      values.forEach((n, r) => {
        const want = stored(n);
        assert.equal(exceljs!.rows[r]?.[0], want, `ExcelJS row ${r + 1}: ${n}`);
        const [type, got] = openpyxl[r] ?? [];
        // openpyxl reads integral values as int; either way the value must be the same double.
        assert.ok(type === 'float' || type === 'int', `openpyxl row ${r + 1}: ${n} came back as ${type}`);
        assert.equal(got, want, `openpyxl row ${r + 1}: ${n}`);
      });
    }),
    { numRuns: 12, interruptAfterTimeLimit: 60_000 },
  );
});
