/**
 * Currencies by ISO 4217 code: the symbol, where it stands, and the minor-unit digits, turned into an Excel
 * number format code. The symbol is written as `[$…]` (a currency literal Excel, LibreOffice and Gnumeric all
 * show as is, whatever the reader's locale), so the code needs no locale id.
 */

interface Currency {
  readonly symbol: string;
  /** `before`: `€1,234.50`; `after`: `1,234.50 kr`. */
  readonly placement: 'before' | 'after';
  /** Minor-unit digits (ISO 4217): JPY and KRW have none. */
  readonly decimals: number;
}

const before = (symbol: string, decimals = 2): Currency => ({ symbol, placement: 'before', decimals });
const after = (symbol: string, decimals = 2): Currency => ({ symbol, placement: 'after', decimals });

const CURRENCIES: Readonly<Record<string, Currency>> = {
  EUR: before('€'),
  USD: before('$'),
  GBP: before('£'),
  JPY: before('¥', 0),
  CNY: before('¥'),
  KRW: before('₩', 0),
  INR: before('₹'),
  CHF: before('CHF '),
  CAD: before('CA$'),
  AUD: before('A$'),
  NZD: before('NZ$'),
  HKD: before('HK$'),
  SGD: before('S$'),
  BRL: before('R$'),
  MXN: before('MX$'),
  ZAR: before('R '),
  TRY: before('₺'),
  ILS: before('₪'),
  SEK: after(' kr'),
  NOK: after(' kr'),
  DKK: after(' kr.'),
  ISK: after(' kr', 0),
  PLN: after(' zł'),
  CZK: after(' Kč'),
  HUF: after(' Ft'),
  RON: after(' lei'),
};

/** ISO codes this module knows, for the report schema and error messages. */
export const CURRENCY_CODES: readonly string[] = Object.keys(CURRENCIES);

export function isCurrencyCode(code: string): boolean {
  return Object.hasOwn(CURRENCIES, code);
}

/**
 * The format code of `code` with its ISO decimals (or `decimals`): `[$€]#,##0.00`, `[$¥]#,##0`, `#,##0.00[$ kr]`.
 * Negative amounts show a leading minus (one section), which every reader renders the same way.
 * Returns undefined for an unknown code.
 */
export function currencyFormatCode(code: string, decimals?: number): string | undefined {
  if (!isCurrencyCode(code)) return undefined;
  const currency = CURRENCIES[code] as Currency;
  const places = decimals ?? currency.decimals;
  const number = places > 0 ? `#,##0.${'0'.repeat(places)}` : '#,##0';
  const symbol = `[$${currency.symbol}]`;
  return currency.placement === 'before' ? symbol + number : number + symbol;
}
