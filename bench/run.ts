/**
 * `npm run bench`: runs every case in its own child process, alternating, several rounds; prints
 * the medians and target ratios as markdown and regenerates its sections of bench/RESULTS.md.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkArticle, renderArticleCheck, type ArticleCheck } from './article.js';
import { dropMysqlBench, ensureMysqlTable } from './db/mysql-table.js';
import { dropDemoFiles, ensureDemoFile } from './db/sqlite-demo.js';
import { dropBenchSchema, ensureTable, tableName } from './db/table.js';
import { measureProcess, ProcessFailure } from './measure.js';
import { ARTICLE_CASE, MARIADB_CASE, parseBenchOptions, sheetpipeThreads, USAGE, type BenchOptions } from './options.js';
import { buildRounds, caseLabel, outputPath, processSpec, runKey, type Run, type Suite } from './plan.js';
import { describeMachine, renderSection, writeSections } from './report.js';
import { snapshotBuild } from './snapshot.js';
import { summarise, type CaseSummary, type Sample } from './stats.js';
import { dbVerdicts, engineVerdicts, lookupIn, scaleVerdicts, sqliteVerdicts } from './targets.js';

const DEFAULT_RESULTS = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** Cases that run at two row counts get the count in their label. */
const labelOf = (run: Run): string =>
  `${caseLabel(run.caseId)}${sheetpipeThreads(run.caseId) !== undefined || run.suite === 'scale' ? ` @ ${run.rows.toLocaleString('en-US')}` : ''}`;

/** Measures one run; the article case's file is checked (unzip -t, openpyxl) before it is deleted. */
async function measureRun(run: Run, options: BenchOptions, outDir: string, casesDir: string, signal: AbortSignal): Promise<{ sample: Sample; check?: ArticleCheck }> {
  const out = outputPath(run, outDir);
  try {
    const measured = await measureProcess({ ...processSpec(run, out, options, { casesDir }), signal });
    const rows = measured.child?.rows ?? run.rows;
    if (rows !== run.rows) throw new Error(`wrote ${rows} rows, expected ${run.rows}`);
    const fileBytes = measured.child?.fileBytes ?? statSync(out).size;
    const sample: Sample = { wallMs: measured.wallMs, peakRssKiB: measured.peakRssKiB, fileBytes, rows, mainCpuMs: measured.child?.mainCpuMs };
    if (run.caseId !== ARTICLE_CASE) return { sample };
    log(`${runKey(run.caseId, run.rows)}: exported in ${(sample.wallMs / 1000).toFixed(1)} s, checking the file…`);
    return { sample, check: await checkArticle(out, run.rows) };
  } finally {
    rmSync(out, { force: true });
  }
}

/** What one suite's rounds produced. */
interface SuiteResults {
  started: Date;
  loadAtStart: number;
  loadAtEnd: number;
  rounds: number;
  /** Run keys in the order they first ran. */
  readonly keys: string[];
  readonly labels: Map<string, string>;
  readonly samples: Map<string, Sample[]>;
  /** Case label → why it produced no numbers. */
  readonly failures: Map<string, string>;
  /** The article case's file checks. */
  readonly checks: ArticleCheck[];
}

const emptySuite = (): SuiteResults => ({
  started: new Date(), loadAtStart: 0, loadAtEnd: 0, rounds: 0, keys: [], labels: new Map(), samples: new Map(), failures: new Map(), checks: [],
});

async function runRounds(rounds: readonly Run[][], options: BenchOptions, suites: Record<Suite, SuiteResults>): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'sheetpipe-bench-'));
  const build = snapshotBuild();
  const cleanUp = (): void => {
    rmSync(outDir, { recursive: true, force: true });
    build.remove();
  };
  // On Ctrl-C or SIGTERM: kill the running case, remove the files, leave nothing behind.
  const stopping = new AbortController();
  const stop = (): void => {
    stopping.abort();
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    for (const [index, round] of rounds.entries()) {
      const suite = suites[round[0]?.suite ?? 'engine'];
      if (suite.rounds++ === 0) Object.assign(suite, { started: new Date(), loadAtStart: loadavg()[0] ?? 0 });
      for (const run of round) {
        const key = runKey(run.caseId, run.rows);
        const label = labelOf(run);
        if (!suite.labels.has(key)) suite.keys.push(key);
        suite.labels.set(key, label);
        if (suite.failures.has(label)) continue; // failed before: do not spend the machine on it again
        const where = `round ${index + 1}/${rounds.length} ${key}`;
        try {
          const { sample, check } = await measureRun(run, options, outDir, build.casesDir, stopping.signal);
          if (check) suite.checks.push(check);
          suite.samples.set(key, [...(suite.samples.get(key) ?? []), sample]);
          const mainCpu = sample.mainCpuMs === undefined ? '' :
            `, main thread CPU ${(sample.mainCpuMs / 1000).toFixed(2)} s = ${((sample.mainCpuMs * 1000) / sample.rows).toFixed(2)} µs/row`;
          log(`${where}: ${(sample.wallMs / 1000).toFixed(2)} s, ${(sample.peakRssKiB / 1024).toFixed(0)} MiB, ` +
            `${(sample.fileBytes / 1e6).toFixed(1)} MB${mainCpu}`);
        } catch (error) {
          suite.failures.set(label, (error as Error).message);
          log(`${where}: FAILED ${(error as Error).message}`);
          if (error instanceof ProcessFailure) log(error.stderr);
        }
        suite.loadAtEnd = loadavg()[0] ?? 0;
      }
    }
  } finally {
    cleanUp();
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** Run key → summary, in the order the runs first ran. */
function summariesOf(suite: SuiteResults): Map<string, CaseSummary> {
  const summaries = new Map<string, CaseSummary>();
  for (const key of suite.keys) {
    const samples = suite.samples.get(key);
    if (samples) summaries.set(key, summarise(suite.labels.get(key) ?? key, samples));
  }
  return summaries;
}

function renderSections(options: BenchOptions, suites: Record<Suite, SuiteResults>): Map<string, string> {
  const machine = describeMachine();
  const sections = new Map<string, string>();
  const common = (suite: SuiteResults) => {
    const summaries = summariesOf(suite);
    return {
      machine: { ...machine, loadAverage: suite.loadAtStart },
      date: suite.started,
      rounds: suite.rounds,
      loadAtEnd: suite.loadAtEnd,
      summaries: [...summaries.values()],
      failures: suite.failures,
      get: lookupIn(summaries),
    };
  };
  const rows = options.rows.toLocaleString('en-US');
  if (suites.engine.rounds > 0) {
    const { get, ...rest } = common(suites.engine);
    sections.set('engine', renderSection({
      marker: 'engine',
      title: 'Engine: the in-process dataset (issue 2)',
      intro: `${rows} rows × 10 columns generated in the child process (bench/dataset.ts), one sheet with a header row and ` +
        "a datetime format; peak RSS is the larger of the child's own `process.resourceUsage().maxRSS` and the parent's " +
        '50 ms polling of `/proc/<pid>/status`.',
      ...rest,
      verdicts: engineVerdicts(get, options.rows, options.smallRows),
    }));
  }
  if (suites.db.rounds > 0) {
    const { get, ...rest } = common(suites.db);
    sections.set('db', renderSection({
      marker: 'db',
      title: 'Database: PostgreSQL table to file (issue 3)',
      intro: `The ${rows}-row table \`${tableName(options.rows)}\` (same columns, built once server-side by bench/db/table.ts) ` +
        `exported from ${options.source} with the same \`SELECT\`; sheetpipe with ${options.dbThreads} thread(s). ` +
        "psql's peak RSS is psql's own (the server's work is not counted for anyone).",
      ...rest,
      verdicts: dbVerdicts(get, options.rows, lookupIn(summariesOf(suites.engine))),
    }));
  }
  if (suites.sqlite.rounds > 0) {
    const { get, ...rest } = common(suites.sqlite);
    sections.set('sqlite', renderSection({
      marker: 'sqlite',
      title: 'SQLite: the demo table to file (issue 18)',
      intro: `db-sqlite: the ${rows}-row \`orders\` table of \`sheetpipe demo\` (src/cli/demo-data.ts; 13 columns: integers, ` +
        'text, `numeric(12, 2)`, `datetime`, `date`, `boolean`, nullable notes), a SQLite file built once and cached by ' +
        'bench/db/sqlite-demo.ts, exported with `SELECT * FROM "orders"` by `runExport` with 2 threads. demo-t2: the same ' +
        "rows from the demo's generator, written in-process by `XlsxWriter` with 2 threads and the columns the export " +
        'gives them (the same cells): the engine reference.',
      ...rest,
      verdicts: sqliteVerdicts(get, options.rows),
    }));
  }
  const seriesIntro = (rows: string): string =>
    `${rows} rows with the bench table's columns, computed by PostgreSQL from a streamed \`generate_series\` while the ` +
    `export reads them (bench/db/series.ts; no table on disk), exported from ${options.source} with ${options.dbThreads} thread(s) ` +
    'to one sheet that rolls over every 1,048,575 data rows. The server generating the rows shares the 2 cores.';
  if (suites.scale.rounds > 0) {
    const { get, ...rest } = common(suites.scale);
    sections.set('scale', renderSection({
      marker: 'scale',
      title: 'Scale: peak RSS at 10× the rows (issue 18)',
      intro: `scale-db: ${seriesIntro(`${options.scaleRows.toLocaleString('en-US')} and ${rows}`)} ` +
        'scale-t2: the in-process dataset with 2 threads at the same two sizes (opt-in: `--cases scale`).',
      ...rest,
      verdicts: scaleVerdicts(get, options.scaleRows, options.rows),
    }));
  }
  if (suites.article.rounds > 0) {
    const { get: _get, ...rest } = common(suites.article);
    sections.set('article', renderSection({
      marker: 'article',
      title: "The source article's size: ZIP64, checked by unzip and openpyxl (issue 18)",
      intro: `${seriesIntro(rows)} Run once (\`npm run bench -- --cases article --rows ${options.rows} --timeout 7200\`); ` +
        'the file is checked before it is deleted.',
      ...rest,
      verdicts: [],
      extra: suites.article.checks.flatMap(renderArticleCheck),
    }));
  }
  return sections;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), process.env, DEFAULT_RESULTS);
  if (options.help) return log(USAGE);
  if (options.dropDb) {
    await dropBenchSchema(options.source);
    log('dropped schema bench');
    dropDemoFiles();
    log('removed the cached SQLite demo files');
    if (options.cases.includes(MARIADB_CASE)) {
      await dropMysqlBench(options.mysqlSource);
      log('dropped MariaDB database bench');
    }
    return;
  }
  const rounds = buildRounds(options);
  const suites: Record<Suite, SuiteResults> = { engine: emptySuite(), db: emptySuite(), sqlite: emptySuite(), scale: emptySuite(), article: emptySuite() };
  if (options.cases.includes('db-sqlite')) {
    log('sqlite: making sure the demo database exists…');
    try {
      const status = await ensureDemoFile(options.rows);
      log(status.builtMs > 0 ? `built ${status.path} in ${(status.builtMs / 1000).toFixed(1)} s` : `reusing ${status.path}`);
    } catch (error) {
      suites.sqlite.failures.set(caseLabel('db-sqlite'), (error as Error).message);
    }
  }
  if (options.cases.includes(MARIADB_CASE)) {
    try {
      const status = await ensureMysqlTable(options.rows, options.mysqlSource);
      log(status.builtMs > 0 ? `built MariaDB ${status.table} in ${(status.builtMs / 1000).toFixed(1)} s` : `reusing MariaDB ${status.table}`);
    } catch (error) {
      suites.db.failures.set(caseLabel(MARIADB_CASE), (error as Error).message);
    }
  }
  if (rounds.some((round) => round[0]?.suite === 'db')) {
    log(`database: making sure ${tableName(options.rows)} exists…`);
    try {
      const status = await ensureTable(options.rows, options.source);
      log(status.builtMs > 0 ? `built ${status.table} in ${(status.builtMs / 1000).toFixed(1)} s` : `reusing ${status.table}`);
    } catch (error) {
      for (const caseId of options.cases.filter((id) => id.startsWith('db-') && id !== MARIADB_CASE)) {
        suites.db.failures.set(caseLabel(caseId), (error as Error).message);
      }
    }
  }
  await runRounds(rounds, options, suites);
  const sections = renderSections(options, suites);
  process.stdout.write(`${[...sections.values()].join('\n\n')}\n`);
  if (options.resultsFile !== undefined && sections.size > 0) {
    writeSections(options.resultsFile, sections);
    log(`wrote ${options.resultsFile}`);
  }
  const checksFailed = suites.article.checks.some((check) =>
    !check.unzipOk || check.lastRowProblem !== undefined || check.lastSheetRows !== check.expectedLastSheetRows);
  if (Object.values(suites).some((suite) => suite.failures.size > 0) || checksFailed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
