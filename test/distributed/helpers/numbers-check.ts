/** xlsx-check for a file of the `numbers` report (id, id * 1.5, 'note <id>'), big ones included. */
import { xlsxCheck, type CheckResult, type ExpectedCell } from '../../helpers/xlsx-check.js';

/** Compared in full up to this many rows; beyond it only the row count is checked. */
const COMPARED_ROWS = 1000;

/**
 * Beyond COMPARED_ROWS the checker (`--max-rows`) compares no cells but still checks that the
 * last non-empty row matches, so the expected rows in between are left empty and the file
 * stays small even for a million rows.
 */
export async function checkNumbersFile(file: string, rows: number, sheet: string): Promise<CheckResult> {
  const expected: ExpectedCell[][] = [['id', 'amount', 'note']];
  const row = (id: number): ExpectedCell[] => [id, id * 1.5, `note ${id}`];
  for (let id = 1; id <= rows; id++) expected.push(id < COMPARED_ROWS || id === rows ? row(id) : []);
  return xlsxCheck(file, [{ name: sheet, rows: expected }], 'zip,openpyxl', ['--max-rows', String(COMPARED_ROWS)]);
}
