/** `sheetpipe export --report FILE …`: the report form of export, its options checked before anything opens. */
import { MAX_THREADS } from '../xlsx/threads.js';
import { parseOptions, positiveInteger, positiveSeconds, queryParams, requiredString, stringOption, timeZoneOption, usageError } from './args.js';

export const REPORT_OPTIONS = {
  report: { type: 'string' },
  source: { type: 'string' },
  'source-name': { type: 'string' },
  out: { type: 'string' },
  param: { type: 'string', multiple: true },
  threads: { type: 'string' },
  tz: { type: 'string' },
  timeout: { type: 'string' },
  deterministic: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ReportArgs {
  readonly report: string;
  readonly source: string;
  readonly sourceName?: string;
  readonly out: string;
  readonly params: Readonly<Record<string, string>>;
  readonly threads?: number;
  readonly timeZone?: string;
  readonly timeoutSeconds?: number;
  readonly deterministic: boolean;
  readonly progress: boolean;
}

/** True when the export arguments ask for a report. */
export function isReportExport(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--report' || arg.startsWith('--report='));
}

export function parseReportArgs(argv: readonly string[]): ReportArgs | { readonly help: true } {
  const values = parseOptions('export', REPORT_OPTIONS, argv);
  if (values.help === true) return { help: true };
  const out = requiredString(values, 'out', 'export');
  if (out === '-' || !out.toLowerCase().endsWith('.xlsx')) throw usageError('--out: a report is an .xlsx file (FILE.xlsx)');
  const param = values.param;
  const sourceName = stringOption(values, 'source-name');
  return {
    report: requiredString(values, 'report', 'export'),
    source: requiredString(values, 'source', 'export'),
    ...(sourceName === undefined ? {} : { sourceName }),
    out,
    params: queryParams(Array.isArray(param) ? param.map(String) : []),
    threads: positiveInteger('threads', stringOption(values, 'threads'), MAX_THREADS),
    timeZone: timeZoneOption(stringOption(values, 'tz')),
    timeoutSeconds: positiveSeconds('timeout', stringOption(values, 'timeout')),
    deterministic: values.deterministic === true,
    progress: values['no-progress'] !== true,
  };
}
