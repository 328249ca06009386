import { usageError } from '../args.js';
import { parseExportArgs } from '../export-args.js';
import { isReportExport } from '../report-args.js';
import { reportCommand } from './report.js';
import { EXPORT_HELP } from '../help.js';
import { runExportWithProgress } from './run-export.js';

/**
 * Exit code when the reader of `--out -` closes the pipe early (`sheetpipe export … --out - | head -1`): the shell's
 * own code for a process ended by SIGPIPE (128 + 13), as `yes | head -1` gives, so `set -o pipefail` still tells a
 * cut-short export from a complete one; nothing is printed, as with any Unix filter.
 */
export const EXIT_PIPE_CLOSED = 141;

function isClosedPipe(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as NodeJS.ErrnoException).code === 'EPIPE') return true;
  }
  return false;
}

/** `sheetpipe export …`; resolves to the exit code, throws SheetpipeErrors for main to report. */
export async function exportCommand(argv: readonly string[]): Promise<number> {
  if (isReportExport(argv)) return reportCommand(argv);
  const args = parseExportArgs(argv);
  if (args.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (args.out === '-' && args.format === 'xlsx' && process.stdout.isTTY) {
    throw usageError('refusing to write a binary .xlsx to the terminal: redirect standard output, or pass --out FILE');
  }
  const options = {
    source: args.source,
    query: args.query,
    table: args.table,
    params: args.params,
    out: args.out,
    format: args.format,
    sheet: args.sheet,
    threads: args.threads,
    timeZone: args.timeZone,
    timeoutSeconds: args.timeoutSeconds,
    deterministic: args.deterministic,
    csv: { raw: args.csvRaw },
    template: args.template,
  };
  try {
    await runExportWithProgress(options, { progress: args.progress });
  } catch (error) {
    if (args.out === '-' && isClosedPipe(error)) return EXIT_PIPE_CLOSED;
    throw error;
  }
  return 0;
}
