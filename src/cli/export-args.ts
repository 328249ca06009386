import type { ExportFormat } from '../pipeline/types.js';
import { sourceKindOf, type SourceKind } from '../sources/kind.js';
import { findParams } from '../sources/sql-params.js';
import { validateSheetName } from '../xlsx/sheet-names.js';
import { MAX_THREADS } from '../xlsx/threads.js';
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
  'csv-raw': { type: 'boolean' },
  template: { type: 'string' },
  into: { type: 'string' },
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
  /** CSV text exactly as stored, formula-like cells not neutralised. */
  readonly csvRaw: boolean;
  /** `--template FILE --into table:NAME|sheet:NAME!CELL` (docs/templates.md). */
  readonly template?: { readonly file: string; readonly into: string };
  readonly progress: boolean;
  readonly verbose: boolean;
}

function csvRawOption(raw: boolean, format: ExportFormat): boolean {
  if (raw && format !== 'csv') throw usageError('--csv-raw applies only to csv output');
  return raw;
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

/** `--template` and `--into` go together, fill an .xlsx only, and replace `--sheet` (the template names the sheet). */
function templateOption(file: string | undefined, into: string | undefined, format: ExportFormat, sheet: string | undefined): ExportArgs['template'] {
  if (file === undefined && into === undefined) return undefined;
  if (file === undefined || into === undefined) throw usageError('--template and --into go together (--into table:NAME or sheet:NAME!CELL)');
  if (format !== 'xlsx') throw usageError('--template fills an .xlsx output only');
  if (sheet !== undefined) throw usageError('--sheet does not apply with --template: --into names the sheet');
  return { file, into };
}

/**
 * A `--param` the query does not use is a typo, not something to ignore: the export would run unfiltered. An unknown
 * scheme is left to opening the source, which names it.
 */
function refuseUnusedParams(kind: SourceKind | undefined, query: string | undefined, params: Readonly<Record<string, string>>): void {
  const given = Object.keys(params);
  if (given.length === 0 || kind === undefined) return;
  if (kind === 'csv') throw usageError(`a CSV source takes no parameters: --param ${given[0]}`);
  const used = new Set(query === undefined ? [] : findParams(query, kind).map((ref) => ref.name));
  const unused = given.filter((name) => !used.has(name));
  if (unused.length > 0) {
    const uses = used.size === 0 ? 'uses no parameters' : `uses ${[...used].map((name) => `:${name}`).join(', ')}`;
    throw usageError(`--param ${unused.join(', ')}: the query has no :${unused[0]} (it ${uses})`);
  }
}

/** Throws SHEETPIPE_ERR_CLI_USAGE (exit 2) naming the first problem; `help` short-circuits validation. */
export function parseExportArgs(argv: readonly string[]): ExportArgs | { readonly help: true } {
  const values = parseOptions('export', EXPORT_OPTIONS, argv);
  if (values.help === true) return { help: true };
  const source = requiredString(values, 'source', 'export');
  const query = stringOption(values, 'query');
  const table = stringOption(values, 'table');
  const kind = sourceKindOf(source);
  if (query !== undefined && table !== undefined) throw usageError('give either --query or --table, not both');
  // A CSV file is the result itself: it needs no query.
  if (query === undefined && table === undefined && kind !== 'csv') throw usageError('sheetpipe export needs --query <SQL> or --table <NAME>');
  if (query?.trim() === '') throw usageError('--query is empty');
  if (table?.trim() === '') throw usageError('--table is empty');
  const out = requiredString(values, 'out', 'export');
  const format = outputFormat(out, stringOption(values, 'format'));
  const sheet = sheetOption(stringOption(values, 'sheet'), format);
  const param = values.param;
  const params = queryParams(Array.isArray(param) ? param.map(String) : []);
  refuseUnusedParams(kind, query, params);
  const template = templateOption(stringOption(values, 'template'), stringOption(values, 'into'), format, sheet);
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
    params,
    timeoutSeconds: positiveSeconds('timeout', stringOption(values, 'timeout')),
    deterministic: values.deterministic === true,
    csvRaw: csvRawOption(values['csv-raw'] === true, format),
    ...(template === undefined ? {} : { template }),
    progress: values['no-progress'] !== true,
    verbose: values.verbose === true,
  };
}
