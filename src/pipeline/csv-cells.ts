/**
 * CSV cell encoding (RFC 4180): a field is quoted only when it holds `"`, `,`, CR or LF,
 * and inner quotes are doubled. Dates are printed by the column's formatter (date-text.ts).
 */
import type { CellValue, NumberFormat } from '../xlsx/types.js';
import { SheetpipeError } from '../errors.js';
import type { DateFormatter, DateStyle } from './date-text.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** The date style of a column, decided once from its number format. */
export function dateStyleFor(format: NumberFormat | undefined): DateStyle {
  return format === 'date' || format === 'time' ? format : 'datetime';
}

export function encodeText(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One field. `row` and `column` (1-based) only name the place in an error. A Formula is
 * written as its cached result when it has one, else as its formula text with a leading `=`.
 */
export function encodeCell(value: CellValue, formatDate: DateFormatter, row: number, column: number): string {
  switch (typeof value) {
    case 'string':
      return encodeText(value);
    case 'number':
      if (!Number.isFinite(value)) throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CSV_VALUE', [row, column, String(value)]);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
      return '';
    case 'object': {
      if (value === null) return '';
      if (value instanceof Date) {
        const text = formatDate(value.getTime());
        if (text === undefined) throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CSV_VALUE', [row, column, 'an invalid Date']);
        return text;
      }
      const result = value.result;
      return result === undefined ? encodeText(`=${value.formula}`) : encodeCell(result, formatDate, row, column);
    }
    default:
      throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CSV_VALUE', [row, column, `a value of type ${typeof value}`]);
  }
}
