import type { Writable } from 'node:stream';
import type { ReportDefinition } from '../report/types.js';
import type { Source } from '../sources/types.js';
import type { TemplateTarget } from '../template/target.js';
import type { Pressure } from '../util/pressure.js';

export type ExportFormat = 'xlsx' | 'csv';

export interface ExportOptions {
  /** A source URL (`sqlite:…`, `postgres://…`, `mysql://…`, `csv:…`) or an open Source (not closed by the export). */
  readonly source: string | Source;
  /** SQL with `:name` parameters; or `table`; or `report`. */
  readonly query?: string;
  /** A multi-sheet report (src/report): its sheets' queries instead of `query`/`table`; xlsx only. */
  readonly report?: ReportDefinition;
  /** The source's configured name, shown on a report's About sheet (never its URL). */
  readonly sourceName?: string;
  readonly table?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** A file path (temp file + fsync + rename on success), `-` for stdout, or any Writable (e.g. an HTTP response). */
  readonly out: string | Writable;
  readonly format?: ExportFormat;
  /** Sheet name; default the table name with `table`, else `Sheet1`. */
  readonly sheet?: string;
  readonly threads?: number;
  /** CPU priority decrease for the engine's worker threads (Linux nice increment), for exports inside a server. */
  readonly niceIncrement?: number;
  /** Display zone for `timestamp with time zone` values (default UTC). */
  readonly timeZone?: string;
  /** Seconds; the export is cancelled after it. */
  readonly timeoutSeconds?: number;
  readonly deterministic?: boolean;
  readonly signal?: AbortSignal;
  /** Memory pressure of a server running the export (src/util/pressure.ts): degraded xlsx exports render less at once. */
  readonly pressure?: Pressure;
  /** sqlcommenter-style comment for the SQL statement (trace coloring). */
  readonly sqlComment?: string;
  /** CSV output: `raw: true` writes formula-like text as stored instead of neutralising it (see csv-cells.ts). */
  readonly csv?: { readonly raw?: boolean };
  /** Custom document properties (e.g. traceId, color). */
  readonly customProperties?: Readonly<Record<string, string>>;
  readonly onProgress?: (progress: ExportProgress) => void;
  /**
   * Stream the rows into a copy of this .xlsx/.xlsm template instead of a new workbook (docs/templates.md):
   * `into` is `table:NAME`, `sheet:NAME!CELL`, `{ table }` or `{ sheet, cell }`. Checked before the query runs.
   */
  readonly template?: { readonly file: string; readonly into: string | TemplateTarget };
}

export interface ExportProgress {
  readonly rows: number;
  readonly bytes: number;
  /** Known only when the source can tell cheaply. */
  readonly totalRows?: number;
  readonly elapsedMs: number;
}

export interface ExportResult {
  readonly rows: number;
  readonly bytes: number;
  readonly sheets: readonly string[];
  readonly durationMs: number;
  /** Final path of the file, when `out` was a path. */
  readonly path?: string;
}
