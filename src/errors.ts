/**
 * The one error catalogue. Every error sheetpipe raises on purpose carries a stable code
 * `SHEETPIPE_ERR_<AREA>_<WHAT>`, a message template and, for the service, an HTTP status.
 * A code is never reused or renumbered; docs/errors.md lists them all (a test keeps the two in step).
 */

export interface ErrorSpec {
  readonly message: string;
  /** HTTP status the service answers with when this error reaches a client. */
  readonly status: number;
  /** CLI exit code: 2 for usage errors, 1 for everything else. */
  readonly exitCode?: 1 | 2;
  /**
   * What a service client is told instead of `message`, for errors whose message carries internals
   * (hosts, users, URLs, paths, driver text). Its one `%s` is the source's configured name; the full
   * message goes to the log under the request's trace id (src/service/http/public-errors.ts).
   */
  readonly client?: string;
}

export const ERRORS = {
  // engine: workbook structure and Excel limits
  SHEETPIPE_ERR_XLSX_SHEET_NAME: { message: 'invalid sheet name %s: %s', status: 400 },
  SHEETPIPE_ERR_XLSX_SHEET_NAME_DUPLICATE: { message: 'sheet name %s is already used (sheet names are compared case-insensitively)', status: 400 },
  SHEETPIPE_ERR_XLSX_NOT_FINITE: { message: 'sheet %s, row %s, column %s: %s is not a finite number; Excel cannot store NaN or Infinity', status: 422 },
  SHEETPIPE_ERR_XLSX_CELL_TOO_LONG: { message: 'sheet %s, row %s, column %s: text of %s characters exceeds Excel\'s limit of 32,767 characters per cell (set truncateLongText to cut it)', status: 422 },
  SHEETPIPE_ERR_XLSX_TOO_MANY_COLUMNS: { message: 'sheet %s: %s columns exceed Excel\'s limit of 16,384 columns', status: 422 },
  SHEETPIPE_ERR_XLSX_BAD_VALUE: { message: 'sheet %s, row %s, column %s: cannot write a value of type %s', status: 422 },
  SHEETPIPE_ERR_XLSX_BAD_OPTION: { message: 'invalid option %s: %s', status: 400 },
  SHEETPIPE_ERR_XLSX_CLOSED: { message: 'the workbook is already closed; rows can no longer be added', status: 500 },
  SHEETPIPE_ERR_XLSX_SHEET_NOT_CURRENT: { message: 'sheet %s is finished; rows go to the sheet added last', status: 500 },
  SHEETPIPE_ERR_XLSX_ABORTED: { message: 'the export was cancelled: %s', status: 499 },
  // zip container
  SHEETPIPE_ERR_ZIP_ENTRY_TOO_LARGE: { message: 'zip entry %s passed 4 GiB but its local header was written without ZIP64; pass sizeHint or zip64: "always"', status: 500 },
  SHEETPIPE_ERR_ZIP_SINK: { message: 'writing the output failed: %s', status: 500, client: 'writing the output failed' },
  // sources
  SHEETPIPE_ERR_SOURCE_SCHEME: { message: 'unknown source scheme in %s (expected sqlite:, postgres://, postgresql://, mysql://, mariadb:// or csv:)', status: 400, exitCode: 2, client: 'source %s is not configured correctly' },
  SHEETPIPE_ERR_SOURCE_NOT_FOUND: { message: 'source file not found: %s', status: 500, client: 'the file of source %s was not found' },
  SHEETPIPE_ERR_SOURCE_CONNECT: { message: 'cannot connect to %s: %s', status: 502, client: 'cannot connect to source %s' },
  SHEETPIPE_ERR_SOURCE_AUTH: { message: 'authentication failed for %s: %s', status: 502, client: 'source %s refused the service\'s credentials' },
  SHEETPIPE_ERR_SOURCE_QUERY: { message: 'the database rejected the query: %s', status: 400, client: 'the database of source %s rejected the query' },
  SHEETPIPE_ERR_SOURCE_NOT_FINITE: { message: 'row %s, column %s: the database returned %s, which Excel cannot store', status: 422 },
  SHEETPIPE_ERR_SOURCE_PARAM: { message: 'query parameter %s: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_SOURCE_CSV: { message: 'CSV file %s, line %s: %s', status: 422, client: 'the CSV file of source %s could not be read' },
  SHEETPIPE_ERR_SOURCE_TABLE: { message: 'invalid table name %s: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_SOURCE_URL: { message: 'invalid source %s: %s', status: 400, exitCode: 2, client: 'source %s is not configured correctly' },
  SHEETPIPE_ERR_SOURCE_TIME_ZONE: { message: 'unknown time zone %s (expected an IANA name such as UTC or Europe/Berlin)', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_SOURCE_NOT_READ_ONLY: { message: 'refused to run the query: %s; only a single statement that returns rows runs', status: 400, exitCode: 2 },
  // pipeline and sinks
  SHEETPIPE_ERR_PIPELINE_OUTPUT: { message: 'cannot write the output %s: %s', status: 500, client: 'the export could not be written to storage' },
  SHEETPIPE_ERR_PIPELINE_TIMEOUT: { message: 'the export did not finish within %s seconds', status: 504 },
  SHEETPIPE_ERR_PIPELINE_CANCELED: { message: 'the export was cancelled: %s', status: 499 },
  SHEETPIPE_ERR_PIPELINE_BAD_OPTION: { message: 'invalid export option %s: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_PIPELINE_CSV_VALUE: { message: 'row %s, column %s: cannot write %s to CSV', status: 422 },
  // reports
  SHEETPIPE_ERR_REPORT_INVALID: { message: 'invalid report definition: %s', status: 400, exitCode: 2 },
  // templates (src/template): refused before any query runs, and no output file is left
  SHEETPIPE_ERR_TEMPLATE_NOT_FOUND: { message: 'template %s cannot be read', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_NOT_XLSX: { message: 'template %s is not an .xlsx/.xlsm workbook: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_ENCRYPTED: { message: 'template %s is encrypted (password-protected); save it without a password to fill it', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_CORRUPT: { message: 'template part %s cannot be used: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_BAD_TARGET: { message: 'invalid template target %s: expected table:NAME or sheet:NAME!CELL (e.g. sheet:Data!A2)', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_TARGET_NOT_FOUND: { message: 'template target %s not found: %s', status: 400, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_UNSAFE: { message: 'template target %s cannot be filled safely: %s', status: 422, exitCode: 2 },
  SHEETPIPE_ERR_TEMPLATE_COLUMNS: { message: 'template table %s has %s columns but the query returns %s', status: 422 },
  SHEETPIPE_ERR_TEMPLATE_TOO_MANY_ROWS: { message: 'template target %s: %s rows from row %s pass Excel\'s limit of 1,048,576 rows per sheet', status: 422 },
  // cli
  SHEETPIPE_ERR_CLI_USAGE: { message: '%s', status: 400, exitCode: 2 },
  // service
  SHEETPIPE_ERR_SERVICE_CONFIG: { message: 'invalid configuration at %s: %s', status: 500, exitCode: 2, client: 'the service is not configured correctly' },
  SHEETPIPE_ERR_SERVICE_UNAUTHORIZED: { message: 'missing or invalid bearer token', status: 401 },
  SHEETPIPE_ERR_SERVICE_FORBIDDEN: { message: 'this token may not use report %s', status: 403 },
  SHEETPIPE_ERR_SERVICE_NOT_FOUND: { message: '%s %s not found', status: 404 },
  SHEETPIPE_ERR_SERVICE_BAD_REQUEST: { message: '%s', status: 400 },
  SHEETPIPE_ERR_SERVICE_PARAM: { message: 'parameter %s: %s', status: 400 },
  SHEETPIPE_ERR_SERVICE_NOT_FINISHED: { message: 'export %s is %s; the file is not ready yet', status: 409 },
  SHEETPIPE_ERR_SERVICE_GONE: { message: 'export %s %s: %s', status: 410 },
  SHEETPIPE_ERR_SERVICE_RANGE: { message: 'range %s cannot be satisfied for a file of %s bytes', status: 416 },
  SHEETPIPE_ERR_SERVICE_QUEUE_FULL: { message: 'the export queue is full (%s waiting); retry later', status: 429 },
  SHEETPIPE_ERR_SERVICE_OVERLOADED: { message: 'the service is shedding load (%s); retry later', status: 503 },
  SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN: { message: 'the service is shutting down', status: 503 },
  SHEETPIPE_ERR_SERVICE_JOB_INTERRUPTED: { message: 'the process running this export stopped before it finished', status: 500 },
  SHEETPIPE_ERR_SERVICE_AD_HOC_SQL: { message: 'source %s does not allow ad-hoc SQL', status: 403 },
  SHEETPIPE_ERR_SERVICE_INTERNAL: { message: 'internal error: %s', status: 500, client: 'internal error' },
  SHEETPIPE_ERR_SERVICE_BUSY: { message: 'all %s export slots are busy; retry later', status: 429 },
  SHEETPIPE_ERR_SERVICE_TOKEN_BUSY: { message: 'this token already runs %s exports, limits.runningExportsPerToken allows %s; retry when one ends', status: 429 },
  SHEETPIPE_ERR_SERVICE_LIMIT: { message: '%s exceeds limits.%s (%s)', status: 400 },
  SHEETPIPE_ERR_SERVICE_TOO_LARGE: { message: 'the request body exceeds limits.bodyBytes (%s bytes)', status: 413 },
  SHEETPIPE_ERR_SERVICE_RATE_LIMITED: { message: 'this token sent more than limits.requestsPerSecond (%s) requests in a second; retry later', status: 429 },
  SHEETPIPE_ERR_SERVICE_QUOTA: { message: '%s keeps %s, limits.%s allows %s; delete finished exports or wait for retention', status: 429 },
  // service under faults: storage ownership and a full disk
  SHEETPIPE_ERR_SERVICE_STORAGE_LOCKED: { message: 'storage directory %s is in use by pid %s on host %s (started %s); stop that instance, or remove %s if it is gone', status: 500, exitCode: 2 },
  SHEETPIPE_ERR_SERVICE_STORAGE_WRITE: { message: 'cannot write to the storage (%s): %s', status: 507 },
  SHEETPIPE_ERR_SERVICE_DOWNLOAD_IDLE: { message: 'the client has not read the download for %s seconds', status: 408 },
  SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED: { message: 'configuration reload rejected: %s; the running configuration stays', status: 409 },
  SHEETPIPE_ERR_SERVICE_NOT_SUPPORTED: { message: '%s is not available with this job queue', status: 501 },
  SHEETPIPE_ERR_SERVICE_OBJECT_STORE: { message: 'the object store failed to %s %s: %s', status: 502, client: 'the file storage is unavailable; retry later' },
  SHEETPIPE_ERR_SERVICE_LINK_EXPIRED: { message: 'this download link expired at %s; ask for a new one', status: 410 },
  // delivery (webhooks, email): recorded on the job's delivery attempts, never the job's own error
  SHEETPIPE_ERR_DELIVERY_WEBHOOK: { message: 'webhook %s: %s', status: 502 },
  SHEETPIPE_ERR_DELIVERY_EMAIL: { message: 'email %s: %s', status: 502 },
  SHEETPIPE_ERR_DELIVERY_JOB_GONE: { message: 'export %s was deleted before delivery %s could run', status: 410 },
  // observability
  SHEETPIPE_ERR_OBSERVABILITY_OPTION: { message: 'invalid observability option %s: %s', status: 500, exitCode: 2 },
  SHEETPIPE_ERR_OBSERVABILITY_FORBIDDEN: { message: 'this token may not read %s (it needs a token whose reports include "*")', status: 403 },
  SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE: { message: 'latency log %s: %s', status: 500, client: 'the latency log could not be read' },
  // distributed (BullMQ on Redis)
  SHEETPIPE_ERR_DISTRIBUTED_REDIS: { message: 'the job queue in Redis at %s is unavailable: %s', status: 503, client: 'the job queue is unavailable; retry later' },
  SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD: { message: 'the job record of %s read from Redis is invalid: %s', status: 500, client: 'the job record is invalid' },
  SHEETPIPE_ERR_DISTRIBUTED_CANCEL_TIMEOUT: { message: 'no worker confirmed cancelling export %s within %s s; it will be cancelled when a worker next holds it', status: 504 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function formatMessage(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

/** An error from the catalogue: `code` is stable, `status` is what the service answers. */
export class SheetpipeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: 1 | 2;
  readonly details: Readonly<Record<string, unknown>>;
  /** The message arguments as text, so the error can be rebuilt after crossing a thread or process. */
  readonly args: readonly string[];

  constructor(code: ErrorCode, args: readonly unknown[] = [], options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(formatMessage(spec.message, args), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SheetpipeError';
    this.code = code;
    this.status = spec.status;
    this.exitCode = spec.exitCode ?? 1;
    this.details = options.details ?? {};
    this.args = args.map(String);
  }
}

export function isSheetpipeError(error: unknown, code?: ErrorCode): error is SheetpipeError {
  return error instanceof SheetpipeError && (code === undefined || error.code === code);
}
