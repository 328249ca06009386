import type { Writable } from 'node:stream';
import type { Pressure } from '../util/pressure.js';

/** An explicit formula. Plain strings are always text, even when they start with `=`. */
export interface Formula {
  readonly formula: string;
  /** Cached result shown by readers that do not recalculate. */
  readonly result?: number | string | boolean;
}

/**
 * What a cell can hold. `null`, `undefined` and `''` leave the cell absent.
 * `bigint` and integers beyond ±(2^53 − 1) are written as text so no digit is lost.
 * A `Date` is written as an Excel serial in the workbook's time zone (UTC by default).
 */
export type CellValue = string | number | bigint | boolean | Date | Formula | null | undefined;

export type Row = readonly CellValue[];

/**
 * Number formats. Named ones map to fixed codes (see src/xlsx/number-formats.ts);
 * `{ code }` is any Excel format code.
 */
export type NumberFormat =
  | 'general'
  | 'integer'
  | 'decimal'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'text'
  | { readonly code: string }
  /** An ISO 4217 currency (`EUR`, `JPY`…): its symbol, placement and decimals (src/xlsx/currency.ts). */
  | { readonly currency: string };

/** A font colour or fill as `#RRGGBB`. */
export type Color = string;

/** How cells look besides their number format; resolved to one style index per column, never per cell. */
export interface CellLook {
  readonly font?: { readonly bold?: boolean; readonly italic?: boolean; readonly underline?: boolean; readonly color?: Color; readonly size?: number };
  /** Solid background colour. */
  readonly fill?: Color;
  readonly align?: 'left' | 'center' | 'right';
  readonly wrap?: boolean;
}

export interface ColumnOptions extends CellLook {
  /** Header text; the header row is written when any column has one. */
  readonly header?: string;
  readonly format?: NumberFormat;
  /**
   * Decimal places for `decimal`, `currency` and `percent` (default 2, 2, 0); fractional-second digits for
   * `datetime` and `time` (default 0, at most 3).
   */
  readonly decimals?: number;
  /** Width in characters; estimated from the header, the format and the first rows when absent. */
  readonly width?: number;
  /**
   * Characters the column's widest possible value takes in its format, when known in advance (a `numeric(12,2)`
   * column: 17 for `-9,999,999,999.99`), so a wide value after the first rows does not show as `#####`.
   */
  readonly valueWidth?: number;
  /** Store this column's strings in the bounded shared-string table (low-cardinality columns). */
  readonly sharedStrings?: boolean;
  /** Hide the column (its values stay in the file). */
  readonly hidden?: boolean;
  /** Totals-row function of a table sheet (`SUBTOTAL(109,…)` etc.), its cached value computed while streaming. */
  readonly totals?: TotalsFunction;
  /** Conditional formats over the column's data cells. */
  readonly conditional?: readonly ConditionalRule[];
  /** A data bar over the column's data cells. */
  readonly dataBar?: { readonly color: Color };
  /** Text values are links: written as `HYPERLINK(url)` formulas, shown as the URL, styled as links. */
  readonly hyperlink?: boolean;
}

export type TotalsFunction = 'sum' | 'average' | 'count' | 'min' | 'max';

/** The look a matching cell takes (a differential format, `dxf`). */
export interface RuleLook {
  readonly font?: { readonly bold?: boolean; readonly italic?: boolean; readonly color?: Color };
  readonly fill?: Color;
}

/**
 * A conditional format: `when` is `< 0`, `<= 10`, `= 5`, `<> 0`, `between 1 and 10` or `contains TEXT`;
 * `top`/`bottom` mark the N largest or smallest (or N percent); `colorScale` shades from the lowest to the
 * highest value through two or three colours.
 */
export type ConditionalRule =
  | (RuleLook & { readonly when: string })
  | (RuleLook & { readonly top: number; readonly percent?: boolean })
  | (RuleLook & { readonly bottom: number; readonly percent?: boolean })
  | { readonly colorScale: readonly [Color, Color] | readonly [Color, Color, Color] };

/** The sheet's rows as an Excel table (ListObject) with a built-in style and filter buttons. */
export interface TableOptions {
  /** `TableStyleLight1…21`, `TableStyleMedium1…28`, `TableStyleDark1…11` (default TableStyleMedium2). */
  readonly style?: string;
  /** Banded rows (default true) and columns (default false). */
  readonly bandedRows?: boolean;
  readonly bandedColumns?: boolean;
  /** Label in the first column of the totals row, when that column has no function (default `Total`). */
  readonly totalsLabel?: string;
}

export interface PrintOptions {
  readonly orientation?: 'portrait' | 'landscape';
  /** Pages across (the height follows the data). */
  readonly fitToWidth?: number;
  /** Repeat the header row on every printed page. */
  readonly repeatHeader?: boolean;
  /** Header and footer text in Excel's codes (`&P` page, `&N` pages, `&A` sheet, `&D` date); default footer `Page &P of &N`. */
  readonly header?: string;
  readonly footer?: string;
}

export interface SheetOptions {
  readonly columns?: readonly ColumnOptions[];
  /** Freeze the header row (default: true when there is a header). */
  readonly freezeHeader?: boolean;
  /** Autofilter over the header row (default: false). */
  readonly autoFilter?: boolean;
  /** Bold header row (default: true); ignored when `headerStyle` is given. */
  readonly boldHeader?: boolean;
  /** How the header row looks (default: bold). */
  readonly headerStyle?: CellLook;
  /** Write the rows as an Excel table (each rollover part gets its own); needs headers. */
  readonly table?: TableOptions;
  readonly print?: PrintOptions;
  /** Sheet tab colour. */
  readonly tabColor?: Color;
  /**
   * Title lines above the header (already filled in), each merged across the sheet's columns: the first in
   * `titleStyle` (default bold 14 pt), the others plain. The header, table and every range shift down below them.
   */
  readonly title?: readonly string[];
  readonly titleStyle?: CellLook;
}

export interface DocumentProperties {
  readonly title?: string;
  readonly subject?: string;
  readonly creator?: string;
  readonly description?: string;
  /** Creation time; `deterministic` fixes it to 2000-01-01T00:00:00Z unless given. */
  readonly created?: Date;
}

export interface WorkbookOptions {
  /** Worker threads for rendering and compression (default: available cores, at least 1). */
  readonly threads?: number;
  /** Deflate level 1–9 (default 1: the fastest, within a few percent of ExcelJS's size). */
  readonly level?: number;
  /** Fixed timestamps so equal input gives byte-identical files, whatever the thread count. */
  readonly deterministic?: boolean;
  /** IANA zone in which `Date` values are shown (default `UTC`). */
  readonly timeZone?: string;
  readonly properties?: DocumentProperties;
  /** String key/values written to docProps/custom.xml (e.g. a trace id). */
  readonly customProperties?: Readonly<Record<string, string>>;
  /** Truncate text over 32,767 characters instead of failing (default false). */
  readonly truncateLongText?: boolean;
  /** Cap on distinct shared strings; past it new strings are written inline (default 65,536). */
  readonly sharedStringsLimit?: number;
  /** Expected data rows, used to decide ZIP64 before a sheet's data is written to a non-seekable sink. */
  readonly sizeHint?: { readonly rows: number };
  /** `auto` (default) uses ZIP64 only where needed; `always` forces it (tests). */
  readonly zip64?: 'auto' | 'always';
  /** Rows per chunk handed to a worker (default 2,048); chunks are also cut by size. */
  readonly chunkRows?: number;
  /**
   * Lowers the worker threads' CPU priority by this nice increment (Linux, default 0), so a server that writes
   * workbooks keeps its event loop responsive while exports saturate the cores.
   */
  readonly niceIncrement?: number;
  /** Prime each chunk's deflate with the previous 32 KiB (default true). */
  readonly primeDictionary?: boolean;
  readonly signal?: AbortSignal;
  /**
   * Memory pressure (see src/util/pressure.ts): while `degraded`, at most one chunk is rendered at a time and fewer
   * blocks wait for the sink, so a server under memory pressure gets memory back from its running exports.
   */
  readonly pressure?: Pressure;
  /** Called after every chunk reaches the sink. */
  readonly onProgress?: (progress: WriteProgress) => void;
}

export interface WriteProgress {
  readonly rows: number;
  readonly bytes: number;
  readonly sheets: number;
}

export interface WriteSummary {
  readonly rows: number;
  readonly bytes: number;
  readonly sheets: readonly string[];
}

/** Where the workbook goes: a file path (written to a temp file and renamed on success) or any Writable. */
export type WorkbookTarget = string | Writable;
