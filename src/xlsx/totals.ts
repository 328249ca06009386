/**
 * A table's totals row: `SUBTOTAL` formulas over each column's data cells, with cached results computed while
 * the rows stream past, so readers that do not recalculate (and previews) still show the totals.
 */
import { SheetpipeError } from '../errors.js';
import type { CellValue, Row, TotalsFunction } from './types.js';

/** SUBTOTAL's function numbers that ignore hidden rows (Excel writes these for table totals). */
const SUBTOTAL: Readonly<Record<TotalsFunction, number>> = { average: 101, count: 103, max: 104, min: 105, sum: 109 };

export const TOTALS_FUNCTIONS: readonly TotalsFunction[] = Object.keys(SUBTOTAL) as TotalsFunction[];

export function assertTotalsFunction(fn: string, column: string): asserts fn is TotalsFunction {
  if (!Object.hasOwn(SUBTOTAL, fn)) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', [`columns[${column}].totals`, `${JSON.stringify(fn)} is not one of ${TOTALS_FUNCTIONS.join(', ')}`]);
  }
}

interface Accumulator {
  readonly column: number;
  readonly fn: TotalsFunction;
  sum: number;
  numbers: number;
  /** Non-empty cells (COUNTA, what SUBTOTAL 103 counts). */
  filled: number;
  min: number;
  max: number;
}

function numeric(value: CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return undefined; // shown as dates; a sum of dates means nothing to a reader
  return undefined;
}

/** Running totals of the columns that have a function; only those columns are looked at per row. */
export class Totals {
  readonly #accumulators: Accumulator[];

  constructor(functions: readonly (TotalsFunction | undefined)[]) {
    this.#accumulators = functions.flatMap((fn, column) =>
      fn === undefined ? [] : [{ column, fn, sum: 0, numbers: 0, filled: 0, min: Infinity, max: -Infinity }],
    );
  }

  add(row: Row): void {
    for (const acc of this.#accumulators) {
      const value = row[acc.column];
      if (value === null || value === undefined || value === '') continue;
      acc.filled++;
      const n = numeric(value);
      if (n === undefined) continue;
      acc.sum += n;
      acc.numbers++;
      if (n < acc.min) acc.min = n;
      if (n > acc.max) acc.max = n;
    }
  }

  reset(): void {
    for (const acc of this.#accumulators) Object.assign(acc, { sum: 0, numbers: 0, filled: 0, min: Infinity, max: -Infinity });
  }

  /** The totals row's cells: the label in the first column when it has no function, formulas with cached results. */
  row(width: number, columnLetters: (index: number) => string, firstRow: number, lastRow: number, label: string): CellValue[] {
    const cells: CellValue[] = Array.from({ length: width }, () => null);
    if (!this.#accumulators.some((acc) => acc.column === 0)) cells[0] = label;
    for (const acc of this.#accumulators) {
      const letters = columnLetters(acc.column);
      const formula = `SUBTOTAL(${SUBTOTAL[acc.fn]},${letters}${firstRow}:${letters}${lastRow})`;
      const result = resultOf(acc);
      cells[acc.column] = result === undefined ? { formula } : { formula, result };
    }
    return cells;
  }
}

/** Undefined where Excel shows an error (an average of nothing): the reader computes it. */
function resultOf(acc: Accumulator): number | undefined {
  switch (acc.fn) {
    case 'sum':
      return acc.sum;
    case 'count':
      return acc.filled;
    case 'average':
      return acc.numbers === 0 ? undefined : acc.sum / acc.numbers;
    case 'min':
      return acc.numbers === 0 ? 0 : acc.min;
    case 'max':
      return acc.numbers === 0 ? 0 : acc.max;
  }
}
