/**
 * Reports: several queries in one workbook, read in one snapshot, presented the way finance expects.
 *
 * ```ts
 * const definition = await loadReportFile('examples/month-end.yaml');
 * await runReport({ source: 'sqlite:demo.db', definition, params: { month: '2024-01' }, out: 'month-end.xlsx' });
 * ```
 */
export { runReport, type ReportResult, type RunReportOptions } from './run-report.js';
export { loadReportFile, parseReport } from './load.js';
export { assertReportDefinition } from './validate.js';
export { REPORT_SCHEMA_URL } from './schema.js';
export type * from './types.js';
