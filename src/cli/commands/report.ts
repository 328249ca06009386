import { resolve } from 'node:path';
import { loadReportFile } from '../../report/load.js';
import { runReport } from '../../report/run-report.js';
import { formatBytes, formatSeconds, plural } from '../format.js';
import { REPORT_HELP } from '../report-help.js';
import { parseReportArgs } from '../report-args.js';
import { abortOnSignals } from '../signals.js';

/** `sheetpipe export --report FILE …`: runs a report file; a line per sheet and a summary on stderr. */
export async function reportCommand(argv: readonly string[]): Promise<number> {
  const args = parseReportArgs(argv);
  if ('help' in args) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  const definition = await loadReportFile(args.report);
  const controller = new AbortController();
  const stopSignals = abortOnSignals(controller, () => {
    process.stderr.write('sheetpipe: cancelled (second signal, exiting at once)\n');
    process.exit(1);
  });
  try {
    const result = await runReport({
      source: args.source,
      definition,
      params: args.params,
      out: args.out,
      threads: args.threads,
      timeZone: args.timeZone,
      timeoutSeconds: args.timeoutSeconds,
      deterministic: args.deterministic,
      signal: controller.signal,
      sourceName: args.sourceName,
      onSheet: (sheet) => {
        if (args.progress) process.stderr.write(`sheet ${sheet.name}: ${plural(sheet.rows, 'row')}\n`);
      },
    });
    process.stderr.write(
      `exported report, ${plural(result.sheets.length, 'sheet')}, ${plural(result.rows, 'row')}, ${formatBytes(result.bytes)} in ${formatSeconds(result.durationMs)} to ${resolve(args.out)}\n`,
    );
    return 0;
  } finally {
    stopSignals();
  }
}
