import { columnLetters } from '../xlsx/cell-ref.js';

/** A1-style cell and range arithmetic (0-based columns, 1-based rows), for targets and the references that follow them. */

export interface CellPosition {
  readonly column: number;
  readonly row: number;
}

export interface CellRange {
  readonly first: CellPosition;
  readonly last: CellPosition;
}

export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** `B7` or `$B$7` → position; undefined when it is not a cell reference. */
export function parseCell(text: string): CellPosition | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(text);
  if (!match) return undefined;
  const column = columnIndex(match[1] as string);
  const row = Number(match[2]);
  if (column < 0 || column >= 16_384 || row < 1 || row > 1_048_576) return undefined;
  return { column, row };
}

/** `A1:D10` (or a single cell) → range. */
export function parseRange(text: string): CellRange | undefined {
  const [a, b] = text.split(':');
  const first = a === undefined ? undefined : parseCell(a);
  const last = b === undefined ? first : parseCell(b);
  if (!first || !last) return undefined;
  return { first, last };
}

export function formatRange(range: CellRange): string {
  return `${columnLetters(range.first.column)}${range.first.row}:${columnLetters(range.last.column)}${range.last.row}`;
}

/** The template's data area: rows `firstRow`..`oldLastRow` of columns `firstColumn`..`lastColumn` (undefined: no right edge). */
export interface DataArea {
  readonly firstRow: number;
  readonly oldLastRow: number;
  readonly firstColumn: number;
  readonly lastColumn: number | undefined;
}

export function overlapsColumns(range: CellRange, area: DataArea): boolean {
  return range.last.column >= area.firstColumn && (area.lastColumn === undefined || range.first.column <= area.lastColumn);
}

/**
 * A range grows with the data when it starts at or above the first data row and ends exactly on the old last data row
 * (it covered the old data, perhaps with its header): its end moves to the new last row. Anything else is left alone.
 */
export function grownRange(range: CellRange, area: DataArea, newLastRow: number): CellRange | undefined {
  if (range.first.row > area.firstRow || range.last.row !== area.oldLastRow || !overlapsColumns(range, area)) return undefined;
  return { first: range.first, last: { column: range.last.column, row: newLastRow } };
}

const RANGE_IN_FORMULA = /((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?(\$?[A-Za-z]{1,3}\$?\d{1,7}):(\$?[A-Za-z]{1,3}\$?)(\d{1,7})(?![\w(])/g;

/**
 * Extends the ranges in a formula (a defined name, a chart series, a totals-row formula) that cover the old data, keeping
 * their `$` marks. Ranges on other sheets are left alone; unqualified ones count as the target sheet only when
 * `unqualifiedIsTarget` (formulas inside the target sheet). Text inside string literals is not touched.
 */
export function growFormula(formula: string, sheetName: string, area: DataArea, newLastRow: number, unqualifiedIsTarget: boolean): string {
  const pieces = formula.split(/("(?:[^"]|"")*")/);
  return pieces
    .map((piece, i) =>
      i % 2 === 1
        ? piece
        : piece.replace(RANGE_IN_FORMULA, (whole, qualifier: string | undefined, first: string, lastColumn: string, lastRow: string) => {
            if (qualifier === undefined ? !unqualifiedIsTarget : unquoteSheet(qualifier.slice(0, -1)) !== sheetName) return whole;
            const range = parseRange(`${first}:${lastColumn}${lastRow}`);
            const grown = range && grownRange(range, area, newLastRow);
            return grown ? `${qualifier ?? ''}${first}:${lastColumn}${grown.last.row}` : whole;
          }),
    )
    .join('');
}

function unquoteSheet(name: string): string {
  return name.startsWith("'") ? name.slice(1, -1).replaceAll("''", "'") : name;
}

/** True when a formula refers to a range that meets the data area (qualified with the target sheet, or unqualified). */
export function referencesArea(formula: string, sheetName: string, area: DataArea): boolean {
  for (const match of formula.split(/"(?:[^"]|"")*"/).join(' ').matchAll(RANGE_IN_FORMULA)) {
    const [, qualifier, first, lastColumn, lastRow] = match;
    if (qualifier !== undefined && unquoteSheet(qualifier.slice(0, -1)) !== sheetName) continue;
    const range = parseRange(`${first}:${lastColumn}${lastRow}`);
    if (range && range.last.row >= area.firstRow && range.first.row <= area.oldLastRow && overlapsColumns(range, area)) return true;
  }
  return false;
}
