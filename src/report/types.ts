/**
 * The report definition: one model for the library (`runReport`), the CLI's report files (YAML or JSON) and the
 * service's `reports` config. Validated once (validate.ts) before any query runs.
 */
import type { CellLook, Color, ConditionalRule, NumberFormat, PrintOptions, TableOptions, TotalsFunction } from '../xlsx/types.js';

/** How one result column is presented; keyed by the column's name in the query's result. */
export interface ReportColumn extends CellLook {
  /** Header text (default: the column name). */
  readonly header?: string;
  /** Named format, `{ code }` or `{ currency: 'EUR' }` (default: from the source's type). */
  readonly format?: NumberFormat;
  readonly decimals?: number;
  /** Width in characters (default: from the header, the format, the source's type and the first rows). */
  readonly width?: number;
  readonly hidden?: boolean;
  readonly conditional?: readonly ConditionalRule[];
  readonly dataBar?: { readonly color: Color };
  /** The column's text values are URLs, written as clickable links. */
  readonly hyperlink?: boolean;
}

/** A sheet's rows as an Excel table; `totals` adds a totals row, keyed by column name. */
export interface ReportTable extends TableOptions {
  readonly totals?: Readonly<Record<string, TotalsFunction>>;
}

export interface ReportSheet {
  /** Sheet name (at most 31 characters, unique within the report). */
  readonly name: string;
  /** SQL with `:name` parameters; read-only like every query sheetpipe runs. */
  readonly query: string;
  readonly columns?: Readonly<Record<string, ReportColumn>>;
  /** How the header row looks (default: bold). */
  readonly headerStyle?: CellLook;
  /** Freeze the header row (default true). */
  readonly freezeHeader?: boolean;
  /** Filter buttons on the header row (default false; a table always has them). */
  readonly autoFilter?: boolean;
  readonly table?: ReportTable;
  readonly print?: PrintOptions;
  readonly tabColor?: Color;
  /**
   * Title line(s) above the header, merged across the columns: `{param}` and `{generatedAt}` are filled in.
   * The first line is bold 14 pt unless `titleStyle` says otherwise; further lines are plain.
   */
  readonly title?: string | readonly string[];
  readonly titleStyle?: CellLook;
}

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'date';

export interface ReportParam {
  readonly type?: ParamType;
  readonly default?: string | number | boolean;
  readonly description?: string;
}

export interface ReportDefinition {
  readonly title?: string;
  readonly description?: string;
  readonly params?: Readonly<Record<string, ReportParam>>;
  /** Run every sheet's query in one read-only snapshot transaction (default true). */
  readonly snapshot?: boolean;
  /** Add an About sheet last (default false). */
  readonly about?: boolean;
  readonly sheets: readonly ReportSheet[];
}

/** Reported after each sheet is written (progress, and what the About sheet lists). */
export interface SheetResult {
  readonly name: string;
  readonly rows: number;
}
