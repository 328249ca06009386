/**
 * `npm run bench`: runs every case in its own child process, alternating, several rounds; prints
 * the medians and target ratios as markdown and regenerates its sections of bench/RESULTS.md.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropBenchSchema, ensureTable, tableName } from './db/table.js';
import { measureProcess, ProcessFailure } from './measure.js';
import { parseBenchOptions, sheetpipeThreads, USAGE, type BenchOptions } from './options.js';
import { buildRounds, caseLabel, outputPath, processSpec, runKey, type Run } from './plan.js';
import { describeMachine, renderSection, writeSections } from './report.js';
import { snapshotBuild } from './snapshot.js';
import { summarise, type CaseSummary, type Sample } from './stats.js';
import { dbVerdicts, engineVerdicts, lookupIn } from './targets.js';

const DEFAULT_RESULTS = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

const log = (message: string): void => void process.stderr.write(`${message}\n`);

const labelOf = (run: Run): string =>
  `${caseLabel(run.caseId)}${sheetpipeThreads(run.caseId) !== undefined ? ` @ ${run.rows.toLocaleString('en-US')}` : ''}`;

async function measureRun(run: Run, options: BenchOptions, outDir: string, casesDir: string, signal: AbortSignal): Promise<Sample> {
  const out = outputPath(run, outDir);
  try {
    const measured = await measureProcess({ ...processSpec(run, out, options, { casesDir }), signal });
    const rows = measured.child?.rows ?? run.rows;
    if (rows !== run.rows) throw new Error(`wrote ${rows} rows, expected ${run.rows}`);
    const fileBytes = measured.child?.fileBytes ?? statSync(out).size;
    return { wallMs: measured.wallMs, peakRssKiB: measured.peakRssKiB, fileBytes, rows };
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
}

const emptySuite = (): SuiteResults => ({
  started: new Date(), loadAtStart: 0, loadAtEnd: 0, rounds: 0, keys: [], labels: new Map(), samples: new Map(), failures: new Map(),
});

async function runRounds(rounds: readonly Run[][], options: BenchOptions, suites: Record<Run['suite'], SuiteResults>): Promise<void> {
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
          const sample = await measureRun(run, options, outDir, build.casesDir, stopping.signal);
          suite.samples.set(key, [...(suite.samples.get(key) ?? []), sample]);
          log(`${where}: ${(sample.wallMs / 1000).toFixed(2)} s, ${(sample.peakRssKiB / 1024).toFixed(0)} MiB, ` +
            `${(sample.fileBytes / 1e6).toFixed(1)} MB`);
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

function renderSections(options: BenchOptions, suites: Record<Run['suite'], SuiteResults>): Map<string, string> {
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
      verdicts: dbVerdicts(get, options.rows),
    }));
  }
  return sections;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), process.env, DEFAULT_RESULTS);
  if (options.help) return log(USAGE);
  if (options.dropDb) {
    await dropBenchSchema(options.source);
    return log('dropped schema bench');
  }
  const rounds = buildRounds(options);
  const suites = { engine: emptySuite(), db: emptySuite() };
  if (rounds.some((round) => round[0]?.suite === 'db')) {
    log(`database: making sure ${tableName(options.rows)} exists…`);
    try {
      const status = await ensureTable(options.rows, options.source);
      log(status.builtMs > 0 ? `built ${status.table} in ${(status.builtMs / 1000).toFixed(1)} s` : `reusing ${status.table}`);
    } catch (error) {
      for (const caseId of options.cases.filter((id) => id.startsWith('db-'))) {
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
  if (suites.engine.failures.size + suites.db.failures.size > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
