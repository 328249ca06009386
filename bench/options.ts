/**
 * Flags (and environment variables) of `npm run bench`; see bench/README.md.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SOURCE } from './db/mysql-table.js';
import { DEFAULT_SOURCE } from './db/table.js';

export const ENGINE_CASES = ['sheetpipe-t1', 'sheetpipe-t2', 'report-t2', 'exceljs', 'csv', 'generate'] as const;
export const DB_CASES = ['db-sheetpipe', 'db-psql', 'db-exceljs'] as const;
/** The demo's SQLite table exported by runExport, and the engine writing the same rows generated in-process (issue 18). */
export const SQLITE_CASES = ['db-sqlite', 'demo-t2'] as const;
/** The same table and export from MariaDB (issue 18's question: does a raw-bytes path pay there?); not in the default set. */
export const MARIADB_CASE = 'db-mariadb';
/** Each runs at --scale-rows and at --rows: the peak-RSS flatness from 1M to 10M rows (issue 18). */
export const SCALE_CASES = ['scale-db', 'scale-t2'] as const;
/** The source article's size (run with --rows 120000000), checked with unzip -t and openpyxl; never in the default set. */
export const ARTICLE_CASE = 'article';
/** `sheetpipe-t<N>` runs the engine with N threads; t1 and t2 are the defaults, others are for bigger machines. */
export type SheetpipeCase = `sheetpipe-t${number}`;
export type CaseId =
  | (typeof ENGINE_CASES)[number] | (typeof DB_CASES)[number] | (typeof SQLITE_CASES)[number] | typeof MARIADB_CASE | (typeof SCALE_CASES)[number] | typeof ARTICLE_CASE
  | SheetpipeCase;
const ALL_CASES: readonly CaseId[] = [...ENGINE_CASES, ...DB_CASES, ...SQLITE_CASES, MARIADB_CASE, ...SCALE_CASES, ARTICLE_CASE];
/**
 * What runs without --cases: everything but db-mariadb, the in-process 10M run (~40 s a round on 2 cores, and the engine's
 * flatness is already measured 100k → 1M) and the article case (half an hour and 12 GB of disk).
 */
const DEFAULT_CASES: readonly CaseId[] = [...ENGINE_CASES, ...DB_CASES, ...SQLITE_CASES, 'scale-db'];
const SHEETPIPE_CASE = /^sheetpipe-t([1-9]\d{0,2})$/;

/** Threads of a `sheetpipe-t<N>` case, undefined for the other cases. */
export function sheetpipeThreads(id: CaseId): number | undefined {
  const match = SHEETPIPE_CASE.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** Canonical order: sheetpipe by thread count, then the other engine cases, then the database cases. */
const caseOrder = (id: CaseId): number => {
  const threads = sheetpipeThreads(id);
  return threads !== undefined ? threads : 1000 + ALL_CASES.indexOf(id);
};

export interface BenchOptions {
  readonly rows: number;
  /** Rows of the scale cases' big run (their small run uses --rows). */
  readonly scaleRows: number;
  /** Size of the extra sheetpipe run that the memory-flatness ratio compares against. */
  readonly smallRows: number;
  readonly rounds: number;
  readonly cases: readonly CaseId[];
  readonly dbThreads: number;
  readonly source: string;
  /** MariaDB for the db-mariadb case. */
  readonly mysqlSource: string;
  /** Where to regenerate the results sections, or undefined to only print them. */
  readonly resultsFile: string | undefined;
  readonly timeoutMs: number;
  /** Directory for V8 CPU profiles of every Node child (main thread and workers), or undefined. */
  readonly profileDir: string | undefined;
  readonly dropDb: boolean;
  readonly help: boolean;
}

export const USAGE = `npm run bench -- [options]      (or: node dist/bench/run.js [options])
  --rows N          rows per run (default 1000000; env BENCH_ROWS)
  --rounds N        rounds; each round runs every case once, alternating (default 3; env BENCH_ROUNDS)
  --cases LIST      comma-separated case ids or groups (default: all but db-mariadb, scale-t2 and article; 'all' = every case; env BENCH_CASES)
                    engine = ${ENGINE_CASES.join(',')}
                    db     = ${DB_CASES.join(',')}
                    sqlite = ${SQLITE_CASES.join(',')} (the demo's SQLite table vs the engine on the same rows)
                    db-mariadb = the database case from MariaDB (not in the default set)
                    scale  = ${SCALE_CASES.join(',')} (scale-db is in the default set)
                    sheetpipe-t<N> = the engine with N threads (e.g. sheetpipe-t8 on 8 cores)
                    article = the source article's size with --rows 120000000, then unzip -t and openpyxl
                    (not in the default set)
  --scale-rows N    rows of the scale cases' big run, compared with the same case at --rows (default 10000000, --quick 1000000;
                    env BENCH_SCALE_ROWS)
  --small-rows N    rows of the extra sheetpipe run for the RSS-flatness ratio
                    (default 100000, or rows/10 when rows <= 100000; env BENCH_SMALL_ROWS)
  --db-threads N    sheetpipe threads in the database case (default 2)
  --source URL      PostgreSQL for the database case (default ${DEFAULT_SOURCE}; env BENCH_PG_URL)
  --mysql-source URL  MariaDB for db-mariadb (default ${DEFAULT_MYSQL_SOURCE}; env BENCH_MYSQL_URL)
  --quick           CI smoke: 100000 rows, 1 round, results printed but not written
  --results FILE    write the results sections to FILE (default bench/RESULTS.md; not with --quick)
  --no-results      print only
  --timeout S       kill a run after S seconds (default 900)
  --profile DIR     write a V8 CPU profile of every Node child (and its workers) to DIR;
                    profiling slows the runs, so do not read the timings of such a run
  --drop-db         drop the bench schema (the cached database tables) and the cached SQLite files, and exit
  --help`;

function integerOption(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got '${text}'`);
  return value;
}

function parseCases(text: string | undefined): readonly CaseId[] {
  if (text === undefined || text === '') return DEFAULT_CASES;
  if (text === 'all') return ALL_CASES;
  const chosen = new Set<CaseId>();
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === 'engine') ENGINE_CASES.forEach((id) => chosen.add(id));
    else if (item === 'db') DB_CASES.forEach((id) => chosen.add(id));
    else if (item === 'sqlite') SQLITE_CASES.forEach((id) => chosen.add(id));
    else if (item === 'scale') SCALE_CASES.forEach((id) => chosen.add(id));
    else if ((ALL_CASES as readonly string[]).includes(item) || SHEETPIPE_CASE.test(item)) chosen.add(item as CaseId);
    else throw new Error(`unknown case '${item}'; known: engine, db, sqlite, scale, ${ALL_CASES.join(', ')}, sheetpipe-t<N>`);
  }
  // Keep the canonical order so rounds always alternate the same way.
  return [...chosen].sort((a, b) => caseOrder(a) - caseOrder(b));
}

export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv, defaultResults: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string' },
      rounds: { type: 'string' },
      'scale-rows': { type: 'string' },
      cases: { type: 'string' },
      'small-rows': { type: 'string' },
      'db-threads': { type: 'string' },
      source: { type: 'string' },
      'mysql-source': { type: 'string' },
      quick: { type: 'boolean', default: false },
      results: { type: 'string' },
      'no-results': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      profile: { type: 'string' },
      'drop-db': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const rows = integerOption('--rows', values.rows ?? env.BENCH_ROWS, quick ? 100_000 : 1_000_000, 1);
  const smallDefault = rows > 100_000 ? 100_000 : Math.max(1, Math.floor(rows / 10));
  let resultsFile: string | undefined = values.results ?? (quick ? undefined : defaultResults);
  if (values['no-results'] === true) resultsFile = undefined;
  return {
    rows,
    scaleRows: integerOption('--scale-rows', values['scale-rows'] ?? env.BENCH_SCALE_ROWS, quick ? 1_000_000 : 10_000_000, 1),
    smallRows: integerOption('--small-rows', values['small-rows'] ?? env.BENCH_SMALL_ROWS, smallDefault, 1),
    rounds: integerOption('--rounds', values.rounds ?? env.BENCH_ROUNDS, quick ? 1 : 3, 1),
    cases: parseCases(values.cases ?? env.BENCH_CASES),
    dbThreads: integerOption('--db-threads', values['db-threads'], 2, 1),
    source: values.source ?? env.BENCH_PG_URL ?? DEFAULT_SOURCE,
    mysqlSource: values['mysql-source'] ?? env.BENCH_MYSQL_URL ?? DEFAULT_MYSQL_SOURCE,
    resultsFile,
    timeoutMs: integerOption('--timeout', values.timeout, 900, 1) * 1000,
    profileDir: values.profile,
    dropDb: values['drop-db'] === true,
    help: values.help === true,
  };
}
