import type { ExportFormat } from '../pipeline/types.js';
import { validateSheetName } from '../xlsx/sheet-names.js';
import {
  outputFormat,
  parseOptions,
  positiveInteger,
  positiveSeconds,
  queryParams,
  requiredString,
  stringOption,
  timeZoneOption,
  usageError,
} from './args.js';

/** Generous ceiling: more threads than this only adds contention. */
export const MAX_THREADS = 256;

export const EXPORT_OPTIONS = {
  source: { type: 'string' },
  query: { type: 'string' },
  table: { type: 'string' },
  out: { type: 'string' },
  sheet: { type: 'string' },
  threads: { type: 'string' },
  format: { type: 'string' },
  tz: { type: 'string' },
  param: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  deterministic: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ExportArgs {
  readonly help: boolean;
  readonly source: string;
  readonly query?: string;
  readonly table?: string;
  readonly out: string;
  readonly format: ExportFormat;
  readonly sheet?: string;
  readonly threads?: number;
  readonly timeZone?: string;
  readonly params: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
  readonly deterministic: boolean;
  readonly progress: boolean;
  readonly verbose: boolean;
}

/** Excel's sheet-name rules, checked before anything is opened so a bad name is a usage error. */
function sheetOption(sheet: string | undefined, format: ExportFormat): string | undefined {
  if (sheet === undefined) return undefined;
  if (format === 'csv') throw usageError('--sheet applies only to xlsx output');
  try {
    validateSheetName(sheet);
  } catch (error) {
    throw usageError(`--sheet: ${error instanceof Error ? error.message : String(error)}`);
  }
  return sheet;
}

/** Throws SHEETPIPE_ERR_CLI_USAGE (exit 2) naming the first problem; `help` short-circuits validation. */
export function parseExportArgs(argv: readonly string[]): ExportArgs | { readonly help: true } {
  const values = parseOptions('export', EXPORT_OPTIONS, argv);
  if (values.help === true) return { help: true };
  const source = requiredString(values, 'source', 'export');
  const query = stringOption(values, 'query');
  const table = stringOption(values, 'table');
  if ((query === undefined) === (table === undefined)) {
    throw usageError(query === undefined ? 'sheetpipe export needs --query <SQL> or --table <NAME>' : 'give either --query or --table, not both');
  }
  if (query?.trim() === '') throw usageError('--query is empty');
  if (table?.trim() === '') throw usageError('--table is empty');
  const out = requiredString(values, 'out', 'export');
  const format = outputFormat(out, stringOption(values, 'format'));
  const sheet = sheetOption(stringOption(values, 'sheet'), format);
  const param = values.param;
  return {
    help: false,
    source,
    ...(query === undefined ? {} : { query }),
    ...(table === undefined ? {} : { table }),
    out,
    format,
    ...(sheet === undefined ? {} : { sheet }),
    threads: positiveInteger('threads', stringOption(values, 'threads'), MAX_THREADS),
    timeZone: timeZoneOption(stringOption(values, 'tz')),
    params: queryParams(Array.isArray(param) ? param.map(String) : []),
    timeoutSeconds: positiveSeconds('timeout', stringOption(values, 'timeout')),
    deterministic: values.deterministic === true,
    progress: values['no-progress'] !== true,
    verbose: values.verbose === true,
  };
}
