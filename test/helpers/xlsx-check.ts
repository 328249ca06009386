import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { excelSerial } from '../../src/xlsx/dates.js';
import type { CellValue } from '../../src/xlsx/types.js';

const run = promisify(execFile);

/** The repository root (tests run from dist/test/...). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared conformance checker; CI lays shared/ beside the clone, as it is beside the work tree here. */
export const xlsxCheckPath = process.env.XLSX_CHECK ?? resolve(repoRoot, '../shared/tools/xlsx-check');

export type ExpectedCell = null | number | string | boolean | { date: string } | { formula: string; value?: ExpectedCell };
export interface ExpectedSheet {
  name: string;
  rows: ExpectedCell[][];
}

function isoDate(date: Date): string {
  return date.toISOString().replace('Z', '');
}

/** What the readers should see for a value written with the default (UTC) time zone. */
export function expectedCell(value: CellValue): ExpectedCell {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  // A double is a number cell whatever its magnitude; only bigint, the exact type, becomes text beyond 2^53 − 1.
  if (typeof value === 'number') return value;
  if (value instanceof Date) return Number.isNaN(excelSerial(value.getTime())) ? isoDate(value) : { date: isoDate(value) };
  if (typeof value === 'object') return { formula: value.formula, ...(value.result !== undefined ? { value: value.result } : {}) };
  return value;
}

export interface CheckResult {
  code: number;
  output: string;
}

/** Runs xlsx-check with the given readers; fails loudly (never skips) when the checker is missing. */
export async function xlsxCheck(file: string, sheets: ExpectedSheet[], readers?: string, extra: string[] = []): Promise<CheckResult> {
  if (!existsSync(xlsxCheckPath)) throw new Error(`xlsx-check not found at ${xlsxCheckPath} (shared/ must lie beside the repo)`);
  const expectedPath = `${file}.expected.json`;
  await writeFile(expectedPath, JSON.stringify({ sheets }));
  const args = [file, expectedPath, ...(readers ? ['--readers', readers] : []), ...extra];
  try {
    const { stdout, stderr } = await run(xlsxCheckPath, args, { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}
