/**
 * How a column is shown, from the precision its database type declares: the number format of exact decimals and
 * fractional seconds, and the characters the widest value of the type needs, so the column is wide enough for every
 * row and not only the first ones (Excel shows `#####` for a formatted number or a date that does not fit).
 */
import type { SourceColumn } from './types.js';

export type ColumnDisplay = Pick<SourceColumn, 'format' | 'decimals' | 'valueWidth'>;

/** Fractional-second digits a cell can hold: Excel serials resolve milliseconds, not finer. */
const MAX_FRACTION_DIGITS = 3;

/** Characters of `digits` integer digits with thousands separators. */
function groupedLength(digits: number): number {
  const shown = Math.max(1, digits);
  return shown + Math.floor((shown - 1) / 3);
}

/**
 * `numeric(p,s)` / `DECIMAL(p,s)`: `#,##0.00…` with `s` zeros (`#,##0` for s = 0), as wide as `-9,999,…,999.99…`.
 * Unknown precision or scale: General, and the width comes from the data.
 */
export function decimalDisplay(precision: number | undefined, scale: number | undefined): ColumnDisplay {
  if (precision === undefined || scale === undefined || scale < 0 || scale > precision) return {};
  const code = scale > 0 ? `#,##0.${'0'.repeat(scale)}` : '#,##0';
  return { format: { code }, valueWidth: 1 + groupedLength(precision - scale) + (scale > 0 ? 1 + scale : 0) };
}

/** An integer type of at most `digits` digits, in the `0` format: as wide as its most negative value. */
export function integerDisplay(digits: number): ColumnDisplay {
  return { format: 'integer', valueWidth: digits + 1 };
}

/**
 * Dates, times and timestamps. `fractionDigits` is the type's fractional-second precision: above 0 the format shows
 * milliseconds, so 23:59:59.999 is not shown rounded up to the next day's 00:00:00. The engine sizes the column
 * from the format.
 */
export function temporalDisplay(kind: 'date' | 'time' | 'datetime', fractionDigits = 0): ColumnDisplay {
  if (kind === 'date' || fractionDigits <= 0) return { format: kind };
  return { format: kind, decimals: Math.min(fractionDigits, MAX_FRACTION_DIGITS) };
}
