import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formula } from '../../src/xlsx/formula.js';
import type { CellValue } from '../../src/xlsx/types.js';
import { repoRoot, type ExpectedCell } from '../helpers/xlsx-check.js';

/** The shared checker's nasty fixture (strings, numbers, dates, layouts, formulas), as sheetpipe input values. */
interface NastySheet {
  name: string;
  rows: CellValue[][];
}

function toCell(cell: ExpectedCell): CellValue {
  if (cell === null || typeof cell !== 'object') return cell;
  if ('date' in cell) return new Date(`${cell.date}Z`);
  const value = cell.value;
  // A cached date result has no CellValue form; leave it to be recalculated.
  if (value === undefined || value === null || typeof value === 'object') return formula(cell.formula);
  return formula(cell.formula, value);
}

export function nastySheets(): NastySheet[] {
  const path = resolve(repoRoot, 'test/fixtures/nasty.expected.json');
  const fixture = JSON.parse(readFileSync(path, 'utf8')) as { sheets: { name: string; rows: ExpectedCell[][] }[] };
  return fixture.sheets.map((sheet) => ({ name: sheet.name, rows: sheet.rows.map((row) => row.map(toCell)) }));
}
