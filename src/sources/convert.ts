/**
 * Scalar converters shared by the sources: each turns one driver value into the cell the engine
 * writes. A source picks one converter per column before the first row (see `mapBatch`), so no
 * value is dispatched on a type name. Converters never return NaN: a non-finite database value
 * throws `NotFiniteValue`, which `mapBatch` turns into an error naming the row and column.
 */
import { SheetpipeError } from '../errors.js';
import type { CellValue } from '../xlsx/types.js';

export type Converter = (value: any) => CellValue;

/** Thrown by a converter for NaN/±Infinity; carries the text the database returned. */
export class NotFiniteValue {
  constructor(readonly text: string) {}
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/** Text as text; `''` becomes an absent cell. */
export const textCell: Converter = (value: string) => (value === '' ? null : value);

/** A value the engine writes as is (numbers the driver already parsed, booleans). */
export const sameCell: Converter = (value: CellValue) => value;

/** Integer text from a database (canonical digits): a number, or the exact text beyond ±(2^53 − 1). */
export const integerTextCell: Converter = (text: string) => {
  const n = Number(text);
  // |true value| ≥ 2^53 always rounds to a double ≥ 2^53, so this test is exact.
  return n <= MAX_SAFE && n >= -MAX_SAFE ? n : text;
};

/** A driver integer that is a number when safe, else a string (mysql2 `supportBigNumbers`) or a bigint. */
export const integerCell: Converter = (value: number | string | bigint) => {
  if (typeof value === 'number') return value <= MAX_SAFE && value >= -MAX_SAFE ? value : String(value);
  if (typeof value === 'bigint') return value <= MAX_SAFE_BIG && value >= -MAX_SAFE_BIG ? Number(value) : value.toString();
  return integerTextCell(value);
};

/** Float text (shortest round-trip digits from the server). */
export const floatTextCell: Converter = (text: string) => {
  const n = Number(text);
  if (Number.isFinite(n)) return n;
  throw new NotFiniteValue(text);
};

/** A double the driver already parsed. */
export const floatCell: Converter = (value: number) => {
  if (Number.isFinite(value)) return value;
  throw new NotFiniteValue(String(value));
};

/**
 * A float32 the driver widened to a double (mysql2's binary protocol turns FLOAT 1.1 into
 * 1.100000023841858): the shortest decimal that rounds to the same float32, as the server shows it.
 */
export const float32Cell: Converter = (value: number) => {
  if (!Number.isFinite(value)) throw new NotFiniteValue(String(value));
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
};

/**
 * Decimal text: a number when the value round-trips through a double (`0.1000000000` -> 0.1,
 * `123.450` -> 123.45), else the exact text, so no digit is ever silently lost.
 */
export const decimalTextCell: Converter = (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) && (text === 'NaN' || text === 'Infinity' || text === '-Infinity')) throw new NotFiniteValue(text);
  // `|| 0` turns -0 (from `-0.00`) into 0.
  return roundTrips(text, n) ? n || 0 : text;
};

/** True when the decimal `text` and the double `n` denote the same value. */
export function roundTrips(text: string, n: number): boolean {
  if (!Number.isFinite(n)) return false;
  const digits = significantDigits(text);
  if (digits === 0) return n === 0;
  // Any decimal with at most 15 significant digits survives decimal -> double -> decimal
  // (DBL_DIG); only longer ones, and subnormal/near-overflow magnitudes, need the full check.
  if (digits <= 15 && n !== 0 && Math.abs(n) > 1e-300 && Math.abs(n) < 1e300) return true;
  return canonicalDecimal(text) === canonicalDecimal(String(n));
}

function significantDigits(text: string): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) break; // e, E: the exponent does not count
    if (c < 48 || c > 57) continue;
    if (c !== 48) {
      if (first < 0) first = count;
      last = count;
    }
    count++;
  }
  return first < 0 ? 0 : last - first + 1;
}

/** `sign digits e exponent` with no leading or trailing zeros: equal values give equal strings. */
export function canonicalDecimal(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  const all = whole + fraction;
  const start = all.search(/[1-9]/);
  if (start < 0) return '0';
  let end = all.length;
  while (all.charCodeAt(end - 1) === 48) end--;
  const exponent = Number(match[4] ?? 0) + whole.length - start;
  return `${match[1] === '-' ? '-' : ''}${all.slice(start, end)}e${exponent}`;
}

/** Raw bytes as lowercase hex without prefix; an empty value becomes an absent cell. */
export const bufferHexCell: Converter = (value: Uint8Array) =>
  value.length === 0 ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');

/** A driver value with no better mapping (geometry objects, vectors): its JSON text. */
export const jsonOfValueCell: Converter = (value: unknown) => {
  if (typeof value === 'string') return textCell(value);
  if (Buffer.isBuffer(value)) return bufferHexCell(value);
  return JSON.stringify(value);
};

/**
 * Maps a batch of driver rows to cells in place (the rows are fresh arrays from the driver, so
 * reusing them avoids one allocation per row). `firstRow` is the 1-based number of rows[0].
 */
export function mapBatch(rows: unknown[][], converters: readonly Converter[], names: readonly string[], firstRow: number): CellValue[][] {
  const width = converters.length;
  let r = 0;
  let c = 0;
  try {
    for (; r < rows.length; r++) {
      const row = rows[r] as unknown[];
      for (c = 0; c < width; c++) {
        const value = row[c];
        if (value !== null && value !== undefined) row[c] = (converters[c] as Converter)(value);
      }
    }
  } catch (error) {
    throw namedFailure(error, firstRow + r, names[c]);
  }
  return rows as CellValue[][];
}

/** A converter's failure at 1-based `row`, `column`: NotFiniteValue becomes SHEETPIPE_ERR_SOURCE_NOT_FINITE. */
export function namedFailure(error: unknown, row: number, column: string | undefined): unknown {
  if (!(error instanceof NotFiniteValue)) return error;
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_NOT_FINITE', [row, JSON.stringify(column), error.text], {
    details: { row, column, value: error.text },
  });
}
