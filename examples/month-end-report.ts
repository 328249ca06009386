/**
 * Runs examples/month-end.yaml against the demo database: `node dist/examples/month-end-report.js month-end.xlsx`.
 * The same report runs from the CLI: `sheetpipe export --report examples/month-end.yaml --source … --param …`.
 */
import { dirname, join, resolve } from 'node:path';
import { main } from 'sheetpipe/cli';
import { loadReportFile, runReport } from 'sheetpipe/report';

const out = resolve(process.argv[2] ?? 'month-end.xlsx');
const db = join(dirname(out), 'sheetpipe-demo.db');
// `sheetpipe demo` builds (or reuses) the demo orders database.
const code = await main(['demo', '--rows', '5000', '--db', db, '--out', join(dirname(out), 'demo-orders.xlsx'), '--no-progress']);
if (code !== 0) process.exit(code);

const definition = await loadReportFile(new URL('../../examples/month-end.yaml', import.meta.url).pathname);
const result = await runReport({ source: `sqlite:${db}`, definition, params: { from: '2023-01-01', to: '2023-02-01' }, out, sourceName: 'demo' });
console.log(`wrote ${result.rows} rows to ${out} (sheets: ${result.sheets.map((sheet) => `${sheet.name} ${sheet.rows}`).join(', ')})`);
