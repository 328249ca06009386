import type { EncodedRows } from '../xlsx/encoded-rows.js';
import type { CellValue, NumberFormat } from '../xlsx/types.js';

/** How a source column is shown: decides the cell type and number format of its values. */
export type ColumnKind =
  | 'integer'
  | 'number'
  | 'decimal'
  | 'text'
  | 'boolean'
  | 'date'
  | 'time'
  | 'datetime'
  | 'json'
  | 'binary'
  | 'unknown';

export interface SourceColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Number format the engine applies to this column, when it needs one (integers, exact decimals, dates, times). */
  readonly format?: NumberFormat;
  /** Decimal places or fractional-second digits of `format` (see ColumnOptions.decimals). */
  readonly decimals?: number;
  /** Characters the widest value of the column's type takes in `format`, when the type says (see column-display.ts). */
  readonly valueWidth?: number;
}

export interface QueryRequest {
  /** SQL with `:name` parameters (or, for csv:, ignored). */
  readonly sql: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Cancels the running query on the server. */
  readonly signal?: AbortSignal;
  /** sqlcommenter-style comment prepended to the statement, e.g. `traceparent='…'`. */
  readonly comment?: string;
  /** IANA zone in which `timestamp with time zone` values are shown (default UTC). */
  readonly timeZone?: string;
}

/**
 * An open query. Rows come in batches (arrays of rows, each an array of cell values
 * already mapped to what the engine writes: Dates carry wall-clock time in their UTC fields).
 */
export interface QueryCursor {
  readonly columns: readonly SourceColumn[];
  /** Total rows when the source knows it cheaply (e.g. SQLite table), else undefined. */
  readonly estimatedRows?: number;
  batches(): AsyncIterable<CellValue[][]>;
  /**
   * The same rows still in the source's own encoding, for the engine's render workers to decode
   * (SheetWriter.addEncoded), when the source has one. A cursor is read through one of the two, once.
   */
  encodedBatches?(): AsyncIterable<EncodedRows>;
  /** Stops the query and releases the connection; safe to call twice. */
  close(): Promise<void>;
}

export interface Source {
  /** e.g. `postgres`, `sqlite`. */
  readonly kind: string;
  query(request: QueryRequest): Promise<QueryCursor>;
  /**
   * The columns `query(request)` would report (names, kinds, formats), without executing it: PostgreSQL Parse +
   * Describe, MySQL/MariaDB COM_STMT_PREPARE, SQLite prepare, CSV the header row. A kind the source learns only from
   * the bound values or the rows is `unknown` here (the cursor may know more). Refuses what `query` would refuse before running
   * (syntax, a missing table, a statement that is not a read). Optional for sources from outside sheetpipe: a
   * report checks their columns when each query starts instead.
   */
  describe?(request: QueryRequest): Promise<readonly SourceColumn[]>;
  /**
   * Opens one connection in one read-only snapshot transaction (PostgreSQL `REPEATABLE READ READ ONLY`,
   * MySQL/MariaDB `WITH CONSISTENT SNAPSHOT, READ ONLY`, SQLite one read transaction). The returned source runs
   * its queries on it one after another, each seeing the same data; closing it ends the transaction.
   * Absent for sources that have no transactions (CSV).
   */
  snapshot?(): Promise<Source>;
  close(): Promise<void>;
}
