import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportFormat } from '../pipeline/types.js';
import { outputFormat, parseOptions, positiveInteger, stringOption } from './args.js';

export const DEFAULT_DEMO_ROWS = 1_000_000;
/** Past 1,048,575 rows the export continues on sheets `orders (2)`, …; the cap keeps the database under ~2 GB. */
export const MAX_DEMO_ROWS = 10_000_000;

export const DEMO_OPTIONS = {
  rows: { type: 'string' },
  out: { type: 'string' },
  db: { type: 'string' },
  'no-progress': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface DemoArgs {
  readonly help: false;
  readonly rows: number;
  readonly out: string;
  readonly format: ExportFormat;
  readonly db: string;
  readonly progress: boolean;
}

export function parseDemoArgs(argv: readonly string[]): DemoArgs | { readonly help: true } {
  const values = parseOptions('demo', DEMO_OPTIONS, argv);
  if (values.help === true) return { help: true };
  const out = stringOption(values, 'out') ?? 'demo-orders.xlsx';
  return {
    help: false,
    rows: positiveInteger('rows', stringOption(values, 'rows'), MAX_DEMO_ROWS) ?? DEFAULT_DEMO_ROWS,
    out,
    format: outputFormat(out, undefined),
    db: stringOption(values, 'db') ?? join(tmpdir(), 'sheetpipe-demo', 'orders.db'),
    progress: values['no-progress'] !== true,
  };
}
