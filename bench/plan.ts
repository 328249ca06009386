/**
 * What a benchmark run is: one case at one row count, as a process to start. Rounds alternate
 * the cases (t1, t2, exceljs, csv, generate, then the small sheetpipe runs; then the database cases; then the SQLite
 * case and its engine reference; then the scale cases at --scale-rows and at --rows) so a noisy neighbour on the shared machine spreads over all of them
 * instead of hitting one. The article case runs once, last.
 */
import { join } from 'node:path';
import { seriesQuery } from './db/series.js';
import { mysqlTableName } from './db/mysql-table.js';
import { DEMO_QUERY, demoDatabasePath } from './db/sqlite-demo.js';
import { exportQuery, tableName } from './db/table.js';
import type { ProcessSpec } from './measure.js';
import { COMPILED_CASES_DIR } from './snapshot.js';
import { ARTICLE_CASE, DB_CASES, MARIADB_CASE, SCALE_CASES, SQLITE_CASES, sheetpipeThreads, type BenchOptions, type CaseId, type SheetpipeCase } from './options.js';

export interface Run {
  readonly caseId: CaseId;
  readonly rows: number;
  readonly suite: Suite;
}

export type Suite = 'engine' | 'db' | 'sqlite' | 'scale' | 'article';

export const runKey = (caseId: CaseId, rows: number): string => `${caseId}@${rows}`;

const LABELS: Readonly<Record<Exclude<CaseId, SheetpipeCase>, string>> = {
  exceljs: 'ExcelJS `stream.xlsx.WorkbookWriter`, inline strings',
  'report-t2': 'sheetpipe report sheet, 2 threads: table + totals row, currency, 2 conditional formats',
  csv: 'plain CSV in Node, ~1 MiB batched writes',
  generate: 'generating the rows alone (no output)',
  'db-sheetpipe': 'sheetpipe `runExport` (PostgreSQL → .xlsx)',
  'db-psql': '`psql \\copy (…) to … csv` (CSV floor)',
  'db-exceljs': '`pg-query-stream` → ExcelJS stream writer',
  'db-mariadb': 'sheetpipe `runExport` (MariaDB → .xlsx, prepared statement, binary protocol)',
  'db-sqlite': 'sheetpipe `runExport`, 2 threads (SQLite demo table → .xlsx)',
  'demo-t2': 'sheetpipe `XlsxWriter`, 2 threads, the demo rows generated in-process',
  'scale-db': 'sheetpipe `runExport` of a streamed `generate_series` (PostgreSQL → .xlsx)',
  'scale-t2': 'sheetpipe `XlsxWriter`, 2 threads, in-process dataset',
  article: 'sheetpipe `runExport` of a streamed `generate_series` (PostgreSQL → .xlsx), then `unzip -t` and openpyxl',
};

/** The cases whose rows come from PostgreSQL's streamed series (bench/db/series.ts). */
const SERIES_CASES: readonly CaseId[] = ['scale-db', ARTICLE_CASE];

export function caseLabel(id: CaseId): string {
  const threads = sheetpipeThreads(id);
  if (threads === undefined) return LABELS[id as Exclude<CaseId, SheetpipeCase>];
  return `sheetpipe \`XlsxWriter\`, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** The compiled child script of a case (db-psql is psql itself). */
function scriptOf(id: CaseId): string {
  if (sheetpipeThreads(id) !== undefined || id === 'scale-t2') return 'sheetpipe.js';
  if (id === 'demo-t2') return 'demo.js';
  return SERIES_CASES.includes(id) || id === MARIADB_CASE || id === 'db-sqlite' ? 'db-sheetpipe.js' : `${id}.js`;
}

/**
 * Threads the child gets: N for sheetpipe-t<N>, 2 for scale-t2 and the SQLite pair (issue 18's target is for 2 threads),
 * --db-threads for the database cases.
 */
const threadsOf = (id: CaseId, options: BenchOptions): number =>
  sheetpipeThreads(id) ?? (id === 'scale-t2' || (SQLITE_CASES as readonly CaseId[]).includes(id) ? 2 : options.dbThreads);

const suiteOf = (id: CaseId): Suite => {
  if ((DB_CASES as readonly CaseId[]).includes(id) || id === MARIADB_CASE) return 'db';
  if ((SQLITE_CASES as readonly CaseId[]).includes(id)) return 'sqlite';
  if ((SCALE_CASES as readonly CaseId[]).includes(id)) return 'scale';
  return id === ARTICLE_CASE ? 'article' : 'engine';
};

export function buildRounds(options: BenchOptions): Run[][] {
  const engine = options.cases.filter((id) => suiteOf(id) === 'engine');
  const db = options.cases.filter((id) => suiteOf(id) === 'db');
  const sqlite = options.cases.filter((id) => suiteOf(id) === 'sqlite');
  const scale = options.cases.filter((id) => suiteOf(id) === 'scale');
  const engineRound: Run[] = engine.map((caseId) => ({ caseId, rows: options.rows, suite: 'engine' }));
  if (options.smallRows < options.rows) {
    for (const caseId of engine.filter((id) => sheetpipeThreads(id) !== undefined)) {
      engineRound.push({ caseId, rows: options.smallRows, suite: 'engine' });
    }
  }
  const dbRound: Run[] = db.map((caseId) => ({ caseId, rows: options.rows, suite: 'db' }));
  const rounds: Run[][] = [];
  for (let i = 0; i < options.rounds && engineRound.length > 0; i++) rounds.push(engineRound);
  for (let i = 0; i < options.rounds && dbRound.length > 0; i++) rounds.push(dbRound);
  const sqliteRound: Run[] = sqlite.map((caseId) => ({ caseId, rows: options.rows, suite: 'sqlite' }));
  for (let i = 0; i < options.rounds && sqliteRound.length > 0; i++) rounds.push(sqliteRound);
  const scaleRound: Run[] = [options.scaleRows, options.rows].flatMap((rows) => scale.map((caseId) => ({ caseId, rows, suite: 'scale' as const })));
  for (let i = 0; i < options.rounds && scaleRound.length > 0; i++) rounds.push(scaleRound);
  // Once, whatever --rounds says: at 120,000,000 rows it takes half an hour and 12 GB of disk.
  if (options.cases.includes(ARTICLE_CASE)) rounds.push([{ caseId: ARTICLE_CASE, rows: options.rows, suite: 'article' }]);
  return rounds;
}

export function outputPath(run: Run, outDir: string): string {
  const extension = run.caseId === 'csv' || run.caseId === 'db-psql' ? 'csv' : 'xlsx';
  return join(outDir, `${run.caseId}-${run.rows}.${extension}`);
}

export interface SpecPlace {
  /** Where the compiled case scripts are (default: beside this file; run.ts passes its snapshot). */
  readonly casesDir?: string;
  /** Database table to export (default bench.orders_<rows>). */
  readonly table?: string;
  /** The db-sqlite case's file (default: the cached demo database of bench/db/sqlite-demo.ts). */
  readonly sqliteFile?: string;
}

export function processSpec(run: Run, out: string, options: BenchOptions, place: SpecPlace = {}): ProcessSpec {
  const { casesDir = COMPILED_CASES_DIR, table = tableName(run.rows) } = place;
  const mariadb = run.caseId === MARIADB_CASE;
  let query = SERIES_CASES.includes(run.caseId) ? seriesQuery(run.rows) : exportQuery(table);
  if (mariadb) query = exportQuery(place.table ?? mysqlTableName(run.rows));
  if (run.caseId === 'db-psql') {
    return {
      command: 'psql',
      args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', options.source, '-c', `\\copy (${query}) to '${out}' with (format csv, header)`],
      report: 'none',
      timeoutMs: options.timeoutMs,
    };
  }
  const script = join(casesDir, scriptOf(run.caseId));
  const threads = threadsOf(run.caseId, options);
  // Node names each profile by time, pid and thread id, so rounds and workers never overwrite each other.
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, runKey(run.caseId, run.rows))}`];
  const args = [...profile, script, '--rows', String(run.rows), '--out', out, '--threads', String(threads)];
  if (run.caseId === 'db-sqlite') args.push('--source', `sqlite:${place.sqliteFile ?? demoDatabasePath(run.rows)}`, '--query', DEMO_QUERY);
  else if (run.suite === 'db' || SERIES_CASES.includes(run.caseId)) args.push('--source', mariadb ? options.mysqlSource : options.source, '--query', query);
  return { command: process.execPath, args, report: 'json', timeoutMs: options.timeoutMs };
}
