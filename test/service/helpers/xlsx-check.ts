/** Runs the shared conformance checker on a file (fails the test when the checker is missing). */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/service/helpers -> repo root. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const XLSX_CHECK = resolve(repoRoot, '../shared/tools/xlsx-check');

export interface CheckResult {
  readonly code: number;
  readonly output: string;
}

/** Checks `file` against `rows` (header row first) with the given readers. */
export async function xlsxCheck(file: string, sheet: string, rows: unknown[][], readers = 'zip,openpyxl'): Promise<CheckResult> {
  if (!existsSync(XLSX_CHECK)) throw new Error(`the conformance checker is missing: ${XLSX_CHECK}`);
  const expected = `${file}.expected.json`;
  await writeFile(expected, JSON.stringify({ sheets: [{ name: sheet, rows }] }));
  return new Promise((resolvePromise) => {
    execFile(XLSX_CHECK, [file, expected, '--readers', readers], { timeout: 300_000 }, (error, stdout, stderr) => {
      resolvePromise({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Expected rows of the test `orders` data: header, then id, id * 1.5, `note <id>`. */
export function orderRows(ids: Iterable<number>): unknown[][] {
  const rows: unknown[][] = [['id', 'amount', 'note']];
  for (const id of ids) rows.push([id, id * 1.5, `note ${id}`]);
  return rows;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
