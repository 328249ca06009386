/**
 * The targets of issue 2 (engine), issue 3 (database case) and issue 18 (database path and scale), as ratios measured in one run.
 */
import { runKey } from './plan.js';
import type { CaseId } from './options.js';
import { ratio, verdict, type CaseSummary, type Verdict } from './stats.js';

type Lookup = (caseId: CaseId, rows: number) => CaseSummary | undefined;

export function lookupIn(summaries: ReadonlyMap<string, CaseSummary>): Lookup {
  return (caseId, rows) => summaries.get(runKey(caseId, rows));
}

const mib = (summary: CaseSummary | undefined): number | undefined =>
  summary === undefined ? undefined : summary.peakRssKiB / 1024;

export function engineVerdicts(get: Lookup, rows: number, smallRows: number): Verdict[] {
  const t1 = get('sheetpipe-t1', rows);
  const t2 = get('sheetpipe-t2', rows);
  const exceljs = get('exceljs', rows);
  const csv = get('csv', rows);
  const verdicts = [
    verdict('throughput vs ExcelJS, 2 threads', 'sheetpipe-t2 rows/s ÷ exceljs rows/s', ratio(t2, exceljs, 'rowsPerSecond'), '×', { op: '>=', limit: 15 }),
    verdict('throughput vs ExcelJS, 1 thread', 'sheetpipe-t1 rows/s ÷ exceljs rows/s', ratio(t1, exceljs, 'rowsPerSecond'), '×', { op: '>=', limit: 15 }),
    verdict('throughput, 2 threads (absolute)', 'sheetpipe-t2 rows/s', t2?.rowsPerSecond, 'rows/s', { op: '>=', limit: 240_000 }),
    verdict('wall time vs plain CSV, 2 threads', 'sheetpipe-t2 wall ÷ csv wall', ratio(t2, csv, 'wallMs'), '×', { op: '<=', limit: 1 }),
    verdict('wall time vs plain CSV, 1 thread', 'sheetpipe-t1 wall ÷ csv wall', ratio(t1, csv, 'wallMs'), '×', { op: '<=', limit: 1 }),
    verdict(`peak RSS at ${rows.toLocaleString('en-US')} rows, 2 threads`, 'sheetpipe-t2 peak RSS', mib(t2), 'MiB', { op: '<=', limit: 150 }),
    verdict(`peak RSS at ${rows.toLocaleString('en-US')} rows, 1 thread`, 'sheetpipe-t1 peak RSS', mib(t1), 'MiB', { op: '<=', limit: 150 }),
  ];
  if (smallRows < rows) {
    const how = `peak RSS at ${rows.toLocaleString('en-US')} ÷ at ${smallRows.toLocaleString('en-US')} rows`;
    verdicts.push(
      verdict('memory flatness, 2 threads', `sheetpipe-t2 ${how}`, ratio(t2, get('sheetpipe-t2', smallRows), 'peakRssKiB'), '×', { op: '<=', limit: 1.2 }),
      verdict('memory flatness, 1 thread', `sheetpipe-t1 ${how}`, ratio(t1, get('sheetpipe-t1', smallRows), 'peakRssKiB'), '×', { op: '<=', limit: 1.2 }),
    );
  }
  const report = get('report-t2', rows);
  verdicts.push(
    verdict('report sheet time vs plain export (issue 14)', 'report-t2 wall ÷ sheetpipe-t2 wall', ratio(report, t2, 'wallMs'), '×', { op: '<=', limit: 1.1 }),
    verdict('report sheet peak RSS vs plain export (issue 14)', 'report-t2 peak RSS ÷ sheetpipe-t2 peak RSS', ratio(report, t2, 'peakRssKiB'), '×', { op: '<=', limit: 1.1 }),
  );
  verdicts.push(
    verdict('file size vs ExcelJS, 2 threads', 'sheetpipe-t2 bytes ÷ exceljs bytes', ratio(t2, exceljs, 'fileBytes'), '×', { op: '<=', limit: 1.05 }),
    verdict('file size vs ExcelJS, 1 thread', 'sheetpipe-t1 bytes ÷ exceljs bytes', ratio(t1, exceljs, 'fileBytes'), '×', { op: '<=', limit: 1.05 }),
  );
  return verdicts;
}

/** `engine` looks up the same run's engine rounds: the in-process engine is issue 18's yardstick. */
export function dbVerdicts(get: Lookup, rows: number, engine: Lookup): Verdict[] {
  const sheetpipe = get('db-sheetpipe', rows);
  const psql = get('db-psql', rows);
  const exceljs = get('db-exceljs', rows);
  const exceljsOverSheetpipe = ratio(exceljs, sheetpipe, 'wallMs');
  return [
    verdict('.xlsx time vs psql CSV (issue 3)', 'db-sheetpipe wall ÷ db-psql wall', ratio(sheetpipe, psql, 'wallMs'), '×', { op: '<=', limit: 1.5 }),
    verdict('PostgreSQL → .xlsx vs in-process engine (issue 18)', 'db-sheetpipe wall ÷ sheetpipe-t2 wall (engine rounds)', ratio(sheetpipe, engine('sheetpipe-t2', rows), 'wallMs'), '×', { op: '<=', limit: 1.1 }),
    verdict('speed-up over ExcelJS pipeline (issue 3)', 'db-exceljs wall ÷ db-sheetpipe wall', exceljsOverSheetpipe, '×', { op: '>=', limit: 5 }),
    verdict('speed-up over ExcelJS from a database (issues 2, 18)', 'db-exceljs wall ÷ db-sheetpipe wall', exceljsOverSheetpipe, '×', { op: '>=', limit: 10 }),
    verdict('sheetpipe peak RSS (issue 3)', 'db-sheetpipe peak RSS', mib(sheetpipe), 'MiB', { op: '<=', limit: 200 }),
  ];
}

/** Issue 18: the export's peak RSS may not grow with the rows (several sheets by rollover at the big size). */
export function scaleVerdicts(get: Lookup, scaleRows: number, rows: number): Verdict[] {
  const how = `peak RSS at ${scaleRows.toLocaleString('en-US')} ÷ at ${rows.toLocaleString('en-US')} rows`;
  return [
    verdict('memory flatness from PostgreSQL (issue 18)', `scale-db ${how}`, ratio(get('scale-db', scaleRows), get('scale-db', rows), 'peakRssKiB'), '×', { op: '<=', limit: 1.1 }),
    verdict('memory flatness in-process, 2 threads (issue 18)', `scale-t2 ${how}`, ratio(get('scale-t2', scaleRows), get('scale-t2', rows), 'peakRssKiB'), '×', { op: '<=', limit: 1.1 }),
  ];
}

/** Issue 18: reading the demo's SQLite table may cost at most 10 % over the engine writing the same rows in-process. */
export function sqliteVerdicts(get: Lookup, rows: number): Verdict[] {
  return [
    verdict('SQLite → .xlsx vs in-process engine (issue 18)', 'db-sqlite wall ÷ demo-t2 wall', ratio(get('db-sqlite', rows), get('demo-t2', rows), 'wallMs'), '×', { op: '<=', limit: 1.1 }),
  ];
}
