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

/**
 * A growable byte buffer that rows are written into; reused across chunks by its owner.
 * `latin1Write` and `utf8Write` are Buffer's own encoders without `write()`'s argument juggling: measured at
 * 3.0 GB/s and 1.07 GB/s against 0.62 GB/s for `buf.write(text, offset, 'utf8')` on typical row strings. For pure
 * ASCII text latin1 and UTF-8 are the same bytes, so rows known to be ASCII take the fast one.
 */
export class ByteBuffer {
  buffer: FastBuffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity) as FastBuffer;
  }

  write(text: string, ascii = false): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; grow before writing so nothing is cut.
    const worst = ascii ? text.length : text.length * 3;
    if (this.length + worst > this.buffer.length) this.#grow(this.length + worst);
    this.length += ascii ? this.buffer.latin1Write(text, this.length) : this.buffer.utf8Write(text, this.length);
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2)) as FastBuffer;
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

/** Buffer's encoder methods that @types/node does not declare. */
interface FastBuffer extends Buffer {
  latin1Write(text: string, offset: number): number;
  utf8Write(text: string, offset: number): number;
}

/** Text that is printable ASCII with nothing to escape (tab and LF are fine): the common case, one regex test. */
const PLAIN_ASCII = /^[\t\n\x20-\x25\x27-\x3B\x3D\x3F-\x7E]*$/;
const LITERAL_ESCAPE = /_x[0-9A-Fa-f]{4}_/;

/** Per-column XML fragments, built once per sheet so a cell is a handful of string appends. */
interface Fragments {
  readonly ref: string; // `<c r="B`
  readonly number: string; // `" s="3"><v>`
  readonly text: string; // `" s="3" t="inlineStr"><is><t>`
  readonly bool: string; // `" s="3" t="b"><v>`
  readonly date: string; // `" s="5"><v>`
  readonly shared: string; // `" s="3" t="s"><v>`
  readonly style: string;
  readonly dateStyle: string;
  readonly sharedSlot: number;
}

function fragmentsFor(index: number, style: string, dateStyle: string, sharedSlot: number): Fragments {
  return {
    ref: `<c r="${columnLetters(index)}`,
    number: `"${style}><v>`,
    text: `"${style} t="inlineStr"><is><t>`,
    bool: `"${style} t="b"><v>`,
    date: `"${dateStyle}><v>`,
    shared: `"${style} t="s"><v>`,
    style,
    dateStyle,
    sharedSlot,
  };
}

/**
 * Renders rows to `<row>` XML. Each row is built as one string (the row number converted once, per-column fragments
 * appended) and written to the byte buffer, so no giant string is ever built. Measured on the benchmark dataset:
 * caching the row number's text and the fragments took rendering from 5.2 to ~2 µs a row.
 */
export class RowRenderer {
  readonly #layout: RenderLayout;
  readonly #fragments: Fragments[];
  readonly #toWallClock: (ms: number) => number;
  usedFormula = false;

  constructor(layout: RenderLayout) {
    this.#layout = layout;
    this.#fragments = layout.columns.map((column, index) => fragmentsFor(index, column.style, column.dateStyle, column.sharedSlot));
    this.#toWallClock = wallClockMapper(layout.timeZone);
  }

  /** Columns past the declared ones get the default style. */
  #extend(count: number): void {
    if (count > MAX_COLUMNS) throw new SheetpipeError('SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS', [this.#layout.sheetName, count]);
    for (let i = this.#fragments.length; i < count; i++) this.#fragments.push(fragmentsFor(i, '', this.#layout.defaultDateStyle, -1));
  }

  /**
   * Writes rows numbered from `firstRow`. `shared` holds, per row, one shared-string index per shared column
   * (-1 where the value is written inline); `sharedWidth` is the number of shared columns.
   */
  renderRows(rows: readonly (readonly CellValue[])[], firstRow: number, out: ByteBuffer, shared?: Int32Array, sharedWidth = 0): void {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as readonly CellValue[];
      const rowNumber = firstRow + r;
      const rn = String(rowNumber);
      if (row.length > this.#fragments.length) this.#extend(row.length);
      const fragments = this.#fragments;
      let ascii = true;
      let xml = '<row r="' + rn + '">';
      for (let c = 0; c < row.length; c++) {
        const value = row[c];
        if (value === null || value === undefined || value === '') continue;
        const f = fragments[c] as Fragments;
        if (f.sharedSlot >= 0 && shared !== undefined) {
          const index = shared[r * sharedWidth + f.sharedSlot] as number;
          if (index >= 0) {
            xml += f.ref + rn + f.shared + index + '</v></c>';
            continue;
          }
        }
        if (typeof value === 'number') {
          // `value - value === 0` is false exactly for NaN and ±Infinity.
          if (value - value === 0 && value <= MAX_SAFE && value >= -MAX_SAFE) {
            xml += f.ref + rn + f.number + value + '</v></c>';
            continue;
          }
        } else if (typeof value === 'string') {
          // indexOf first: most text has no `_`; with the inline boolean path this cut rendering by 2.7 % (callgrind Ir).
          if (value.length <= MAX_CELL_TEXT && PLAIN_ASCII.test(value) && (value.indexOf('_') < 0 || !LITERAL_ESCAPE.test(value)) && !needsPreserve(value)) {
            xml += f.ref + rn + f.text + value + '</t></is></c>';
            continue;
          }
          ascii = false;
        } else if (typeof value === 'boolean') {
          xml += f.ref + rn + f.bool + (value ? '1' : '0') + '</v></c>';
          continue;
        } else if (value instanceof Date) {
          const serial = excelSerial(this.#toWallClock(value.getTime()));
          if (serial === serial) {
            xml += f.ref + rn + f.date + serial + '</v></c>';
            continue;
          }
        } else if (typeof value === 'object') {
          ascii = false;
        }
        xml += this.#cell(value, c, rowNumber, rn, f);
      }
      out.write(xml + '</row>', ascii);
    }
  }

  /** Everything off the fast paths: escaped text, big integers, dates Excel cannot show, formulas, errors. */
  #cell(value: NonNullable<CellValue>, c: number, rowNumber: number, rn: string, f: Fragments): string {
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) {
          throw new SheetpipeError('SHEETPIPE_ERR_XLSX_NOT_FINITE', [this.#layout.sheetName, rowNumber, this.#columnName(c), value]);
        }
        if (Number.isInteger(value)) {
          // Beyond 2^53 − 1 a double has lost digits already; text keeps the integer the caller holds.
          return this.#text(BigInt(value).toString(), c, rowNumber, rn, f);
        }
        return f.ref + rn + f.number + value + '</v></c>';
      case 'string':
        return this.#text(value, c, rowNumber, rn, f);
      case 'boolean':
        return f.ref + rn + f.bool + (value ? '1' : '0') + '</v></c>';
      case 'bigint':
        if (value <= MAX_SAFE && value >= -MAX_SAFE) return f.ref + rn + f.number + value + '</v></c>';
        return this.#text(value.toString(), c, rowNumber, rn, f);
      case 'object':
        if (value instanceof Date) return this.#unshowableDate(value, c, rowNumber, rn);
        if (typeof (value as Formula).formula === 'string') return this.#formula(value as Formula, rn, f);
        break;
    }
    throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_VALUE', [this.#layout.sheetName, rowNumber, this.#columnName(c), describe(value)]);
  }

  #text(value: string, c: number, rowNumber: number, rn: string, f: Fragments): string {
    let text = value;
    if (text.length > MAX_CELL_TEXT) {
      if (!this.#layout.truncateLongText) {
        throw new SheetpipeError('SHEETPIPE_ERR_XLSX_CELL_TOO_LONG', [this.#layout.sheetName, rowNumber, this.#columnName(c), text.length]);
      }
      text = text.slice(0, MAX_CELL_TEXT).toWellFormed();
    }
    const open = needsPreserve(text) ? `"${f.style} t="inlineStr"><is><t xml:space="preserve">` : f.text;
    return f.ref + rn + open + escapeText(text) + '</t></is></c>';
  }

  /** Excel cannot show dates before 1900 or after 9999: keep them readable as ISO text rather than lose them. */
  #unshowableDate(value: Date, c: number, rowNumber: number, rn: string): string {
    const ms = value.getTime();
    if (Number.isNaN(ms)) {
      throw new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_VALUE', [this.#layout.sheetName, rowNumber, this.#columnName(c), 'Invalid Date']);
    }
    const iso = new Date(this.#toWallClock(ms)).toISOString().replace('Z', '');
    return this.#text(iso, c, rowNumber, rn, fragmentsFor(c, '', '', -1));
  }

  #formula(value: Formula, rn: string, f: Fragments): string {
    this.usedFormula = true;
    const expression = escapeText(value.formula.startsWith('=') ? value.formula.slice(1) : value.formula);
    const result = value.result;
    const ref = f.ref + rn + '"' + f.style;
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
