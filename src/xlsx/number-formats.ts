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

export interface ResolvedFormat {
  readonly code: string;
  /** True when values in this column are dates or times, so `Date` cells use this format. */
  readonly isDate: boolean;
}

function decimalsPart(decimals: number): string {
  return decimals > 0 ? `.${'0'.repeat(decimals)}` : '';
}

/** Turns a named or custom format into its Excel format code. */
export function resolveFormat(format: NumberFormat | undefined, decimals: number | undefined): ResolvedFormat {
  if (format === undefined || format === 'general') return { code: 'General', isDate: false };
  if (typeof format === 'object') return { code: format.code, isDate: looksLikeDateCode(format.code) };
  switch (format) {
    case 'integer':
      return { code: '0', isDate: false };
    case 'decimal':
      return { code: `0${decimalsPart(decimals ?? 2)}`, isDate: false };
    case 'currency':
      return { code: `#,##0${decimalsPart(decimals ?? 2)}`, isDate: false };
    case 'percent':
      return { code: `0${decimalsPart(decimals ?? 0)}%`, isDate: false };
    case 'date':
      return { code: 'yyyy-mm-dd', isDate: true };
    case 'datetime':
      return { code: 'yyyy-mm-dd hh:mm:ss', isDate: true };
    case 'time':
      return { code: 'hh:mm:ss', isDate: true };
    case 'text':
      return { code: '@', isDate: false };
  }
}

/** A custom code is a date format when it has date/time tokens outside quotes and brackets. */
function looksLikeDateCode(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[ymdhs]/i.test(bare);
}

export function builtInFormatId(code: string): number | undefined {
  return BUILT_IN[code];
}

export const DEFAULT_DATETIME_CODE = 'yyyy-mm-dd hh:mm:ss';
