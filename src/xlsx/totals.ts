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

/**
 * One totals column's aggregates over some rows: what SUBTOTAL's functions need. Plain data, so a render worker can
 * return a chunk's aggregates with its result.
 */
export interface Aggregate {
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

const empty = (): Aggregate => ({ sum: 0, numbers: 0, filled: 0, min: Infinity, max: -Infinity });

/**
 * Running aggregates of some columns, added row by row (in the thread that has the rows' values) and merged chunk by
 * chunk in chunk order. Sums are per chunk in row order, then chunk sums in chunk order: chunks are cut by the data
 * alone, so the cached value is the same whatever the thread count and whichever thread decoded the rows, though its
 * last bits may differ from one sequential sum over all the rows (both are the same rounded float sum of the same
 * numbers, grouped differently; Excel recomputes the formula on load anyway).
 */
export class Aggregates {
  readonly columns: readonly number[];
  readonly values: Aggregate[];

  constructor(columns: readonly number[]) {
    this.columns = columns;
    this.values = columns.map(empty);
  }

  add(row: Row): void {
    const { columns, values } = this;
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i] as number];
      if (value === null || value === undefined || value === '') continue;
      const acc = values[i] as Aggregate;
      acc.filled++;
      const n = numeric(value);
      if (n === undefined) continue;
      acc.sum += n;
      acc.numbers++;
      if (n < acc.min) acc.min = n;
      if (n > acc.max) acc.max = n;
    }
  }

  /** Adds a later chunk's aggregates (same columns). */
  merge(chunk: readonly Aggregate[]): void {
    chunk.forEach((other, i) => {
      const acc = this.values[i] as Aggregate;
      acc.sum += other.sum;
      acc.numbers += other.numbers;
      acc.filled += other.filled;
      acc.min = Math.min(acc.min, other.min);
      acc.max = Math.max(acc.max, other.max);
    });
  }

  /** The aggregates so far, copied, and a fresh start. */
  take(): Aggregate[] {
    const taken = this.values.map((acc) => ({ ...acc }));
    this.values.forEach((acc) => Object.assign(acc, empty()));
    return taken;
  }
}

/** The totals row of a table: which columns have which function, and the row's cells from the part's aggregates. */
export class Totals {
  readonly #functions: readonly { readonly column: number; readonly fn: TotalsFunction }[];
  /** The chunk being filled, for rows whose values the main thread has (addBatch). */
  readonly chunk: Aggregates;

  constructor(functions: readonly (TotalsFunction | undefined)[]) {
    this.#functions = functions.flatMap((fn, column) => (fn === undefined ? [] : [{ column, fn }]));
    this.chunk = new Aggregates(this.#functions.map((f) => f.column));
  }

  /** The columns with a function, in the order of their aggregates. */
  get columns(): readonly number[] {
    return this.chunk.columns;
  }

  /** The totals row's cells: the label in the first column when it has no function, formulas with cached results. */
  row(part: readonly Aggregate[], width: number, columnLetters: (index: number) => string, firstRow: number, lastRow: number, label: string): CellValue[] {
    const cells: CellValue[] = Array.from({ length: width }, () => null);
    if (!this.#functions.some((f) => f.column === 0)) cells[0] = label;
    this.#functions.forEach(({ column, fn }, i) => {
      const letters = columnLetters(column);
      const formula = `SUBTOTAL(${SUBTOTAL[fn]},${letters}${firstRow}:${letters}${lastRow})`;
      const result = resultOf(fn, part[i] as Aggregate);
      cells[column] = result === undefined ? { formula } : { formula, result };
    });
    return cells;
  }
}

/** Undefined where Excel shows an error (an average of nothing): the reader computes it. */
function resultOf(fn: TotalsFunction, acc: Aggregate): number | undefined {
  switch (fn) {
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
