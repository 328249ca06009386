import { SheetpipeError } from '../errors.js';

const MAX_NAME = 31;
const FORBIDDEN = /[[\]:*?/\\]/;

/** Checks Excel's sheet-name rules: 1–31 characters, none of `[]:*?/\`, not starting or ending with `'`. */
export function validateSheetName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NAME', [JSON.stringify(name), 'a sheet name needs 1 to 31 characters']);
  }
  if (name.length > MAX_NAME) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NAME', [
      JSON.stringify(name),
      `${name.length} characters is more than Excel's limit of 31`,
    ]);
  }
  const bad = FORBIDDEN.exec(name);
  if (bad) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NAME', [JSON.stringify(name), `it contains ${JSON.stringify(bad[0])}; none of []:*?/\\ may appear`]);
  }
  if (name.startsWith("'") || name.endsWith("'")) {
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NAME', [JSON.stringify(name), "it may not start or end with '"]);
  }
}

/** Name of the n-th sheet (n ≥ 2) a sheet rolls over into: `Name (2)`, shortened to stay within 31 characters. */
export function rolloverName(base: string, n: number): string {
  const suffix = ` (${n})`;
  return `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

/** Tracks names already used, case-insensitively as Excel compares them. */
export class SheetNames {
  readonly #used = new Set<string>();

  add(name: string): void {
    validateSheetName(name);
    const key = name.toLocaleUpperCase('en-US');
    if (this.#used.has(key)) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_SHEET_NAME_DUPLICATE', [JSON.stringify(name)]);
    this.#used.add(key);
  }

  /** The first free rollover name after `base`. */
  nextRollover(base: string, from: number): { name: string; n: number } {
    for (let n = from; ; n++) {
      const name = rolloverName(base, n);
      if (!this.#used.has(name.toLocaleUpperCase('en-US'))) return { name, n };
    }
  }
}
