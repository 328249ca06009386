import { usageError } from '../args.js';
import { parseExportArgs } from '../export-args.js';
import { EXPORT_HELP } from '../help.js';
import { runExportWithProgress } from './run-export.js';

/** `sheetpipe export …`; resolves to the exit code, throws SheetpipeErrors for main to report. */
export async function exportCommand(argv: readonly string[]): Promise<number> {
  const args = parseExportArgs(argv);
  if (args.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  if (args.out === '-' && args.format === 'xlsx' && process.stdout.isTTY) {
    throw usageError('refusing to write a binary .xlsx to the terminal: redirect standard output, or pass --out FILE');
  }
  await runExportWithProgress(
    {
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
    },
    { progress: args.progress },
  );
  return 0;
}
