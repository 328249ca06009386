import { DEFAULT_DATETIME_CODE } from './number-formats.js';
import type { RenderLayout } from './row-renderer.js';
import type { CellValue, Row } from './types.js';

const CELL_OVERHEAD = 28; // `<c r="AB123456" s="12"><v></v></c>`, roughly
export const WIDTH_SAMPLE_ROWS = 100;
const MIN_WIDTH = 6;
const MAX_WIDTH = 60;

/** A cheap estimate of a row's XML size, used only to size chunks (never for correctness). */
export function estimateRowBytes(row: Row): number {
  let bytes = 20;
  for (let c = 0; c < row.length; c++) {
    const value = row[c];
    if (value === null || value === undefined) continue;
    bytes += typeof value === 'string' ? CELL_OVERHEAD + 24 + value.length : CELL_OVERHEAD + 12;
  }
  return bytes;
}

/** What a number format adds to a number's digits when shown, read once per column from its code. */
export interface NumberShape {
  readonly grouped: boolean;
  /** Decimal places, plus one for the point. */
  readonly fraction: number;
  /** Literal characters: a currency symbol `[$€]`, quoted text, `%`. */
  readonly affix: number;
}

/** The shape of a numeric format code's first section, or undefined for General, text and dates. */
export function numberShapeOf(code: string): NumberShape | undefined {
  const section = code.split(';')[0] ?? '';
  if (!/[0#]/.test(section)) return undefined;
  const literals = [...section.matchAll(/\[\$([^\]-]*)[^\]]*\]|"([^"]*)"/g)].reduce((sum, m) => sum + (m[1] ?? m[2] ?? '').length, 0);
  const bare = section.replace(/\[[^\]]*\]|"[^"]*"/g, '');
  const decimals = /\.([0#]+)/.exec(bare)?.[1]?.length ?? 0;
  return { grouped: bare.includes(','), fraction: decimals > 0 ? decimals + 1 : 0, affix: literals + (bare.includes('%') ? 1 : 0) };
}

function numberLength(value: number | bigint, shape: NumberShape | undefined): number {
  const text = String(value);
  if (shape === undefined) return text.length;
  const digits = String(typeof value === 'bigint' ? (value < 0n ? -value : value) : Math.trunc(Math.abs(value))).length;
  const sign = text.startsWith('-') ? 1 : 0;
  return sign + digits + (shape.grouped ? Math.floor((digits - 1) / 3) : 0) + shape.fraction + shape.affix;
}

function displayLength(value: CellValue, dateWidth: number, shape: NumberShape | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') {
    const newline = value.indexOf('\n');
    return newline >= 0 ? newline : value.length;
  }
  if (value instanceof Date) return dateWidth;
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'object') return 10; // formula
  return numberLength(value, shape);
}

/**
 * Column widths in Excel's character units: explicit ones as given, the rest from the header, the widest value the
 * column's type allows when known (`valueWidths`), dates from their format, numbers as their format shows them
 * (`shapes`: grouping, decimals, a currency symbol), and the first 100 rows (Excel has no
 * "auto" width in the file format; it only autofits when a user asks).
 */
export function estimateWidths(
  headers: readonly string[] | undefined,
  rows: readonly Row[],
  explicit: readonly (number | undefined)[],
  valueWidths: readonly (number | undefined)[],
  layout: RenderLayout,
  shapes: readonly (NumberShape | undefined)[] = [],
): (number | undefined)[] {
  const count = Math.max(headers?.length ?? 0, explicit.length, ...rows.slice(0, WIDTH_SAMPLE_ROWS).map((row) => row.length));
  const widths: (number | undefined)[] = [];
  for (let c = 0; c < count; c++) {
    const given = explicit[c];
    if (given !== undefined) {
      widths.push(given);
      continue;
    }
    const dateWidth = layout.columns[c]?.dateWidth ?? DEFAULT_DATETIME_CODE.length;
    let longest = Math.max((headers?.[c]?.length ?? 0) + 2, valueWidths[c] ?? 0); // bold header text is wider
    for (let r = 0; r < rows.length && r < WIDTH_SAMPLE_ROWS; r++) {
      longest = Math.max(longest, displayLength((rows[r] as Row)[c], dateWidth, shapes[c]));
    }
    widths.push(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2)));
  }
  return widths;
}
