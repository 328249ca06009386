import { SheetpipeError } from '../errors.js';
import { MAX_CELL_TEXT, MAX_COLUMNS, columnLetters } from './cell-ref.js';
import { excelSerial } from './dates.js';
import { wallClockMapper } from './timezone.js';
import type { CellValue, Formula } from './types.js';
import { escapeText, needsPreserve } from './xml.js';

/** Everything a worker needs to render a sheet's rows; plain data so it crosses threads cheaply. */
export interface RenderLayout {
  readonly sheetName: string;
  readonly columns: readonly ColumnLayout[];
  /** ` s="N"` for Date values in columns without a date format. */
  readonly defaultDateStyle: string;
  readonly timeZone: string;
  readonly truncateLongText: boolean;
}

export interface ColumnLayout {
  /** Header text, used in error messages. */
  readonly name: string;
  /** ` s="N"` or '' for the column's own number format. */
  readonly style: string;
  /** Style for `Date` values: the column's own when it is a date format, else the default datetime style. */
  readonly dateStyle: string;
  /** Position of this column in the chunk's shared-string index array, or -1. */
  readonly sharedSlot: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A growable byte buffer that rows are written into; reused across chunks by its owner. */
export class ByteBuffer {
  buffer: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; grow before writing so nothing is cut.
    const worst = text.length * 3;
    if (this.length + worst > this.buffer.length) this.#grow(this.length + worst);
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  reset(): void {
    this.length = 0;
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * Renders rows to `<row>` XML. Column fragments (`<c r="B`, ` s="3"`) are prepared once per sheet; each row is built
 * as one string with a template literal per cell and written to the byte buffer, so no giant string is ever built.
 */
export class RowRenderer {
  readonly #layout: RenderLayout;
  readonly #refs: string[];
  readonly #toWallClock: (ms: number) => number;
  usedFormula = false;

  constructor(layout: RenderLayout) {
    this.#layout = layout;
    this.#refs = layout.columns.map((_, index) => `<c r="${columnLetters(index)}`);
    this.#toWallClock = wallClockMapper(layout.timeZone);
  }

  #ref(column: number): string {
    let ref = this.#refs[column];
    if (ref === undefined) {
      if (column >= MAX_COLUMNS) {
        throw new SheetpipeError('SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS', [this.#layout.sheetName, column + 1]);
      }
      for (let i = this.#refs.length; i <= column; i++) this.#refs.push(`<c r="${columnLetters(i)}`);
      ref = this.#refs[column] as string;
    }
    return ref;
  }

  /**
   * Writes rows numbered from `firstRow`. `shared` holds, per row, one shared-string index per shared column
   * (-1 where the value is written inline); `sharedWidth` is the number of shared columns.
   */
  renderRows(rows: readonly (readonly CellValue[])[], firstRow: number, out: ByteBuffer, shared?: Int32Array, sharedWidth = 0): void {
    const columns = this.#layout.columns;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as readonly CellValue[];
      const rowNumber = firstRow + r;
      let xml = `<row r="${rowNumber}">`;
      for (let c = 0; c < row.length; c++) {
        const value = row[c];
        if (value === null || value === undefined || value === '') continue;
        const column = columns[c];
        const slot = column === undefined ? -1 : column.sharedSlot;
        if (slot >= 0 && shared !== undefined) {
          const index = shared[r * sharedWidth + slot] as number;
          if (index >= 0) {
            xml += `${this.#ref(c)}${rowNumber}"${column?.style ?? ''} t="s"><v>${index}</v></c>`;
            continue;
          }
        }
        xml += this.#cell(value, c, rowNumber, column);
      }
      out.write(`${xml}</row>`);
    }
  }

  #cell(value: NonNullable<CellValue>, c: number, rowNumber: number, column: ColumnLayout | undefined): string {
    const style = column?.style ?? '';
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) {
          throw new SheetpipeError('SHEETPIPE_ERR_XLSX_NOT_FINITE', [this.#layout.sheetName, rowNumber, this.#columnName(c), value]);
        }
        if ((value > MAX_SAFE || value < -MAX_SAFE) && Number.isInteger(value)) {
          // Beyond 2^53 − 1 a double has lost digits already; text keeps the integer the caller holds.
          return this.#text(BigInt(value).toString(), c, rowNumber, style);
        }
        return `${this.#ref(c)}${rowNumber}"${style}><v>${value}</v></c>`;
      case 'string':
        return this.#text(value, c, rowNumber, style);
      case 'boolean':
        return `${this.#ref(c)}${rowNumber}"${style} t="b"><v>${value ? 1 : 0}</v></c>`;
      case 'bigint':
        if (value <= MAX_SAFE && value >= -MAX_SAFE) return `${this.#ref(c)}${rowNumber}"${style}><v>${value}</v></c>`;
        return this.#text(value.toString(), c, rowNumber, style);
      case 'object':
        if (value instanceof Date) return this.#date(value, c, rowNumber, column);
        if (typeof (value as Formula).formula === 'string') return this.#formula(value as Formula, c, rowNumber, style);
        break;
    }
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_VALUE', [this.#layout.sheetName, rowNumber, this.#columnName(c), describe(value)]);
  }

  #text(value: string, c: number, rowNumber: number, style: string): string {
    let text = value;
    if (text.length > MAX_CELL_TEXT) {
      if (!this.#layout.truncateLongText) {
        throw new SheetpipeError('SHEETPIPE_ERR_XLSX_CELL_TOO_LONG', [this.#layout.sheetName, rowNumber, this.#columnName(c), text.length]);
      }
      text = text.slice(0, MAX_CELL_TEXT).toWellFormed();
    }
    const space = needsPreserve(text) ? ' xml:space="preserve"' : '';
    return `${this.#ref(c)}${rowNumber}"${style} t="inlineStr"><is><t${space}>${escapeText(text)}</t></is></c>`;
  }

  #date(value: Date, c: number, rowNumber: number, column: ColumnLayout | undefined): string {
    const ms = value.getTime();
    if (Number.isNaN(ms)) {
      throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_VALUE', [this.#layout.sheetName, rowNumber, this.#columnName(c), 'Invalid Date']);
    }
    const wallClock = this.#toWallClock(ms);
    const serial = excelSerial(wallClock);
    // Excel cannot show dates before 1900 or after 9999: keep them readable as ISO text rather than lose them.
    if (Number.isNaN(serial)) return this.#text(new Date(wallClock).toISOString().replace('Z', ''), c, rowNumber, '');
    return `${this.#ref(c)}${rowNumber}"${column?.dateStyle ?? this.#layout.defaultDateStyle}><v>${serial}</v></c>`;
  }

  #formula(value: Formula, c: number, rowNumber: number, style: string): string {
    this.usedFormula = true;
    const expression = escapeText(value.formula.startsWith('=') ? value.formula.slice(1) : value.formula);
    const result = value.result;
    const ref = `${this.#ref(c)}${rowNumber}"${style}`;
    if (result === undefined) return `${ref}><f>${expression}</f></c>`;
    if (typeof result === 'number' && Number.isFinite(result)) return `${ref}><f>${expression}</f><v>${result}</v></c>`;
    if (typeof result === 'boolean') return `${ref} t="b"><f>${expression}</f><v>${result ? 1 : 0}</v></c>`;
    return `${ref} t="str"><f>${expression}</f><v>${escapeText(String(result))}</v></c>`;
  }

  #columnName(c: number): string {
    const name = this.#layout.columns[c]?.name;
    const letters = columnLetters(c);
    return name ? `${letters} (${name})` : letters;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
