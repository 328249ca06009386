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

function displayLength(value: CellValue, dateWidth: number): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') {
    const newline = value.indexOf('\n');
    return newline >= 0 ? newline : value.length;
  }
  if (value instanceof Date) return dateWidth;
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'object') return 10; // formula
  return String(value).length;
}

/**
 * Column widths in Excel's character units: explicit ones as given, the rest from the header, the widest value the
 * column's type allows when known (`valueWidths`), dates from their format, and the first 100 rows (Excel has no
 * "auto" width in the file format; it only autofits when a user asks).
 */
export function estimateWidths(
  headers: readonly string[] | undefined,
  rows: readonly Row[],
  explicit: readonly (number | undefined)[],
  valueWidths: readonly (number | undefined)[],
  layout: RenderLayout,
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
      longest = Math.max(longest, displayLength((rows[r] as Row)[c], dateWidth));
    }
    widths.push(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2)));
  }
  return widths;
}
