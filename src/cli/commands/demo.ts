import { resolve } from 'node:path';
import { ensureDemoDatabase } from '../demo-data.js';
import { parseDemoArgs } from '../demo-args.js';
import { formatCount, formatSeconds, plural, rowsPerSecond } from '../format.js';
import { DEMO_HELP } from '../help.js';
import { abortOnSignals } from '../signals.js';
import { runExportWithProgress } from './run-export.js';

/** `sheetpipe demo`: build (or reuse) the demo database, export its orders, say where the file is. */
export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const db = resolve(args.db);
  const controller = new AbortController();
  const stopSignals = abortOnSignals(controller, () => process.exit(1));
  let database;
  try {
    if (args.progress) process.stderr.write(`sheetpipe demo: preparing ${plural(args.rows, 'order')} in ${db}\n`);
    database = await ensureDemoDatabase(db, args.rows, controller.signal);
  } finally {
    stopSignals();
  }
  const how = database.built ? `built in ${formatSeconds(database.ms)}` : 'reused';
  process.stdout.write(`demo database: ${database.path} (${plural(args.rows, 'order')}, ${how})\n`);
  const result = await runExportWithProgress({ source: `sqlite:${database.path}`, table: 'orders', out: args.out, format: args.format }, { progress: args.progress });
  process.stdout.write(
    `demo export: ${result.path ?? resolve(args.out)}\n` +
      `  ${plural(result.rows, 'row')} in ${formatSeconds(result.durationMs)}: ${formatCount(rowsPerSecond(result.rows, result.durationMs))} rows/s\n`,
  );
  return 0;
}
