import { parseArgs } from 'node:util';
import { latencyReport } from '../../observability/latency-report.js';
import { usageError } from '../args.js';

export const LATENCY_REPORT_HELP = `Usage: sheetpipe latency-report <FILE> [--json] [--threshold-ms <MS>]

Reads a flushed latency log (observability.latencyLog, default <storage.dir>/latency.bin) and its rotations
and prints, per route, count, P50, P99, P999 and max, and the spikes over the threshold by cause.

  --json              machine-readable output
  --threshold-ms <MS> spike threshold (default: the sampler threshold recorded in the file)
`;

/** `sheetpipe latency-report <file> [--json]`. */
export async function latencyReportCommand(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'threshold-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } },
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    process.stdout.write(LATENCY_REPORT_HELP);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) throw usageError('latency-report takes exactly one file');
  const threshold = parsed.values['threshold-ms'];
  const thresholdMs = threshold === undefined ? undefined : Number(threshold);
  if (thresholdMs !== undefined && !(thresholdMs > 0)) throw usageError(`--threshold-ms must be a positive number, got ${JSON.stringify(threshold)}`);
  const text = await latencyReport(file, { json: parsed.values.json === true, ...(thresholdMs === undefined ? {} : { thresholdMs }) });
  process.stdout.write(`${text}\n`);
  return 0;
}
