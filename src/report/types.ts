/**
 * The report definition: one model for the library (`runReport`), the CLI's report files (YAML or JSON) and the
 * service's `reports` config. Validated once (validate.ts) before any query runs.
 */
import type { CellLook, NumberFormat } from '../xlsx/types.js';

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
  /** Filter buttons on the header row (default false). */
  readonly autoFilter?: boolean;
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
