import { SheetpipeError } from '../errors.js';
import { CURRENCY_CODES, currencyFormatCode } from './currency.js';
import type { NumberFormat } from './types.js';

/** Formats that Excel numbers itself (ECMA-376 §18.8.30) need no `<numFmt>` entry. */
const BUILT_IN: Readonly<Record<string, number>> = {
  General: 0,
  '0': 1,
  '0.00': 2,
  '#,##0': 3,
  '#,##0.00': 4,
  '0%': 9,
  '0.00%': 10,
  '@': 49,
};

/**
 * What a date format shows. `date` and `time` columns hold a calendar date or a wall time, never shifted by the
 * display zone; `datetime` columns hold instants, shown in the workbook's time zone.
 */
export type Temporal = 'date' | 'time' | 'datetime';

export interface ResolvedFormat {
  readonly code: string;
  /** Set when values in this column are dates or times, so `Date` cells use this format. */
  readonly temporal: Temporal | undefined;
}

function decimalsPart(decimals: number): string {
  return decimals > 0 ? `.${'0'.repeat(decimals)}` : '';
}

const number = (code: string): ResolvedFormat => ({ code, temporal: undefined });

/**
 * Turns a named or custom format into its Excel format code. `decimals` is the number of decimal places for
 * `decimal`, `currency` and `percent`, and of fractional-second digits for `datetime` and `time` (0–3: a cell
 * holds milliseconds at most), so `23:59:59.999` is not shown rounded up to the next day's midnight.
 */
export function resolveFormat(format: NumberFormat | undefined, decimals: number | undefined): ResolvedFormat {
  if (format === undefined || format === 'general') return number('General');
  if (typeof format === 'object') {
    if ('currency' in format) return number(currencyCode(format.currency, decimals));
    return { code: format.code, temporal: temporalOfCode(format.code) };
  }
  switch (format) {
    case 'integer':
      return number('0');
    case 'decimal':
      return number(`0${decimalsPart(decimals ?? 2)}`);
    case 'currency':
      return number(`#,##0${decimalsPart(decimals ?? 2)}`);
    case 'percent':
      return number(`0${decimalsPart(decimals ?? 0)}%`);
    case 'date':
      return { code: 'yyyy-mm-dd', temporal: 'date' };
    case 'datetime':
      return { code: `yyyy-mm-dd hh:mm:ss${decimalsPart(Math.min(decimals ?? 0, 3))}`, temporal: 'datetime' };
    case 'time':
      return { code: `hh:mm:ss${decimalsPart(Math.min(decimals ?? 0, 3))}`, temporal: 'time' };
    case 'text':
      return number('@');
  }
}

function currencyCode(currency: string, decimals: number | undefined): string {
  const code = currencyFormatCode(currency, decimals);
  if (code !== undefined) return code;
  throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', ['format.currency', `unknown currency ${JSON.stringify(currency)} (known: ${CURRENCY_CODES.join(', ')})`]);
}

/**
 * What a custom code shows, from its tokens outside quotes and brackets: hours or seconds (or an elapsed `[h]`) make
 * it a time, years or days a date; a lone `m` is a month when there is no time part (Excel's own rule).
 */
export function temporalOfCode(code: string): Temporal | undefined {
  const elapsed = /\[(?:h+|m+|s+)\]/i.test(code);
  const bare = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  const time = elapsed || /[hs]/i.test(bare);
  const date = /[yd]/i.test(bare) || (!time && /m/i.test(bare));
  if (date) return time ? 'datetime' : 'date';
  return time ? 'time' : undefined;
}

export function builtInFormatId(code: string): number | undefined {
  return BUILT_IN[code];
}

export const DEFAULT_DATETIME_CODE = 'yyyy-mm-dd hh:mm:ss';
